"""The Reflex UI: states are thin adapters over services, pages compose components."""
