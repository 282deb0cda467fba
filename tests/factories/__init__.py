"""factory-boy factories: defaults satisfy every CHECK, one trait per state."""

from tests.factories.governance import GateChangeRequestFactory
from tests.factories.users import GroupFactory, UserFactory

__all__ = ["GateChangeRequestFactory", "GroupFactory", "UserFactory"]
