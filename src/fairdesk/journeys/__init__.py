"""Customer journeys: the stages from lead to paid to repeat, the funnel and where it leaks."""
