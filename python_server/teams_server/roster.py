"""The teams the server knows: the tutorial's ten, in the tutorial's order.

The harness derives expected results from this module, so the data lives in exactly one place.
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
