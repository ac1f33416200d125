from tokdrift_cli.cli.app import main

main()
