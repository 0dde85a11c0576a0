from teams_server.cli import main

raise SystemExit(main())
