"""ScaiSpeak's HTTP routes, one file per area of the reference."""
