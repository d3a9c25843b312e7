import Portal

await PortalCommand.runFromCommandLine()
