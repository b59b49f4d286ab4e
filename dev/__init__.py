"""Development tools: a real Home Assistant for the main job and the end-to-end tests."""
