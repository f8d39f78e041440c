"""Writers of donors data, one module per area (HackSoft style: ``<entity>_<action>``)."""
