"""The camera checkout service: the operational database officers check cameras in and out of."""
