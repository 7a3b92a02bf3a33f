"""The channel-neutral conversation: what customers say (the grammar per language) and how it is understood."""
