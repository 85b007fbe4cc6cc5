"""Protocol-level test doubles of the outside services ISPcare talks to."""
