from teams_interop.cli import entry

entry()
