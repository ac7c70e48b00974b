"""Where units of work run (local processes, a Dask cluster) and the folder that keeps finished
ones; nothing here knows what a unit computes. Import the modules by path."""
