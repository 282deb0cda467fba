"""The workflow graph's layout (workflows/graph.py), without a database."""

from __future__ import annotations

from workflows.graph import Node, layers


def names(columns: list[list[Node]]) -> list[list[str]]:
    return [[n.name for n in column] for column in columns]


def test_a_step_listed_before_its_dependencies_is_drawn_after_them() -> None:
    # ids in spec order: "report" (1) depends on "parse" (3), which depends on "fetch" (2)
    nodes = [Node(1, "report", "waiting"), Node(2, "fetch", "active"), Node(3, "parse", "waiting")]
    assert names(layers(nodes, [(1, 3), (3, 2)])) == [["fetch"], ["parse"], ["report"]]


def test_a_step_sits_one_layer_after_its_longest_chain_of_dependencies() -> None:
    nodes = [Node(i, n, "waiting") for i, n in enumerate(["a", "b", "c", "d"], start=1)]
    # d depends on a directly and through b -> c
    assert names(layers(nodes, [(2, 1), (3, 2), (4, 1), (4, 3)])) == [["a"], ["b"], ["c"], ["d"]]


def test_a_chain_of_a_thousand_needs_no_recursion() -> None:
    nodes = [Node(i, f"s{i}", "waiting") for i in range(1000, 0, -1)]
    edges = [(i, i + 1) for i in range(1, 1000)]  # s1 depends on s2 ... on s1000
    columns = layers(nodes, edges)
    assert len(columns) == 1000 and columns[0][0].name == "s1000"
