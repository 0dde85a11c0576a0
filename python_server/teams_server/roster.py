"""The teams the server knows: the tutorial's ten, in the tutorial's order.

The server's own copy. The harness never reads it: its expectations come from its own data
(interop_tests/cases/facts/roster.yaml), so a wrong nickname here turns the matrix red.
"""

from types import MappingProxyType

NOT_A_MEMBER = "not a member"

TEAMS = MappingProxyType(
    {
        "Chicago": "Jackals",
        "Detroit": "Wheels",
        "Minneapolis": "Nordics",
        "New York": "Metros",
        "Arizona": "Roadrunners",
        "San Francisco": "Stingers",
        "Seattle": "Orcas",
        "Los Angeles": "Pumas",
        "Philadelphia": "Foxes",
        "Boston": "Revolutionaries",
    }
)


def nickname(city: str) -> str:
    """The nickname of the team in ``city``, or the tutorial's "not a member"."""
    return TEAMS.get(city, NOT_A_MEMBER)


def cities_starting_with(prefix: str) -> list[str]:
    """The roster's cities with this prefix, in roster order."""
    return [city for city in TEAMS if city.startswith(prefix)]
