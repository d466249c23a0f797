from socialcrm_cli.app import main

main()
