"""The project's spiders; `devdiscourse` is the only one."""
