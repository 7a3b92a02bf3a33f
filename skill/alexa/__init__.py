"""The Alexa skill: handlers translate spoken requests into service calls and results into speech."""
