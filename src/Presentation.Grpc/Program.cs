using WorkflowRuntime.Presentation.Grpc.Hosting;

return await WorkflowRuntimeApp.RunAsync(args);
