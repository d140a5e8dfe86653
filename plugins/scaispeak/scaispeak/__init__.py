"""ScaiSpeak (text-to-speech) for ScaiGrid.

Only what the host needs to discover, install and health-check the module
ships today; the voice library, synthesis and streaming arrive with its issue.
"""
