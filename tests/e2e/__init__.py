"""End-to-end tests: a real `hass` process, the real simulator, the frontend's API."""
