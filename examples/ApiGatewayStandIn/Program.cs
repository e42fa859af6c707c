using ApiGatewayStandIn;

await GatewayApp.Build(args).RunAsync();
