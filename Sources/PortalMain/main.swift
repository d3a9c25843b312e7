import Portal

PortalCommand.prepareConcurrency()
await PortalCommand.runFromCommandLine()
