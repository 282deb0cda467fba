"""The approvers' screens (docs/staging.md, "The approvers' screen").

* ``manifests``: staged manifests with their pieces in order, the last verdict,
  runs, lifecycle and events; the verify-mark (dry run) / approve / reject /
  cut / verify-cut actions and the cleanup page.
* ``ledger``: the runs ledger, information units, pieces, the lifecycle log,
  the command catalogue and the runtime leases, all read-only and linked.

Every state change is an action calling one service (queuegov.audit); an
action a user may not take is not offered, and a forged POST for one is
refused and audited by GovernedAdmin.
"""

from staging.admin import ledger, manifests

__all__ = ["ledger", "manifests"]
