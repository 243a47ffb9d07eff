"""gradviz's file formats: network files, session files, and telling them apart. The core never imports
this package; it imports the core."""
