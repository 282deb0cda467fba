-- Why: the section types are one list, fn_iu_section_types() (issue 13).
-- fn_iu_section_rank restated five of them in a CASE; a section's rank is its
-- place in that list, which is ordered from the outermost container down, so
-- the rank now reads the list. Same answers: document 1, chapter 2, section 3,
-- subsection 4, paragraph 5; a preamble (which contains nothing) and an unknown
-- type NULL. Still LANGUAGE sql and IMMUTABLE, so the axis-C queries inline it
-- and fold the list to a constant.
CREATE OR REPLACE FUNCTION fn_iu_section_rank(p_section_type text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    -- Containers rank above what they contain (axis C: a parent ranks lower
    -- than its child); the list starts with the preamble, which contains nothing.
    SELECT nullif(array_position(fn_iu_section_types(), p_section_type) - 1, 0);
$$;
