from leancli.cli import main

main()
