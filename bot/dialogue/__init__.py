"""Dialogue: session state, the policy that picks the next action, and the manager."""
