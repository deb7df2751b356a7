"""provcloud: provision and configure a province's shared data-centre platform."""
