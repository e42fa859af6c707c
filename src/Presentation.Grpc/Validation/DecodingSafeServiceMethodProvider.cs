using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace WorkflowRuntime.Presentation.Grpc.Validation;

/// <summary>
/// Binds every gRPC service of the host like grpc-dotnet's own binder does (through the generated
/// <c>BindService</c>), but with request marshallers that turn a payload which cannot be decoded (invalid UTF-8 in a
/// string, a wrong wire type, a truncated message) into <c>INVALID_ARGUMENT</c> "the request could not be decoded"
/// and one warning line without a stack trace. grpc-dotnet decodes the request before any interceptor runs, so this
/// is the one place where that failure can be answered; left alone it is <c>UNKNOWN</c> and an error with a trace.
/// Replaces grpc-dotnet's open-generic provider (see <see cref="ServiceCollectionExtensions.AddDecodingSafeGrpcBinding"/>).
/// </summary>
internal sealed partial class DecodingSafeServiceMethodProvider<TService>(ILoggerFactory loggers) : IServiceMethodProvider<TService>
    where TService : class
{
    public const string UndecodableMessage = "the request could not be decoded";

    private readonly ILogger _logger = loggers.CreateLogger("WorkflowRuntime.Presentation.Grpc.RequestDecoding");

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var attribute = typeof(TService).GetCustomAttributes<BindServiceMethodAttribute>(inherit: true).FirstOrDefault();
        if (attribute is null)
        {
            return;
        }

        var bind = attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [var first, _]
                && first.ParameterType == typeof(ServiceBinderBase))
            ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, service) method.");
        var declaringType = bind.GetParameters()[1].ParameterType;
        bind.Invoke(null, [new Binder(context, declaringType, this), null]);
    }

    private Marshaller<TRequest> Guard<TRequest>(Marshaller<TRequest> marshaller, string method) =>
        new(marshaller.ContextualSerializer, deserializationContext =>
        {
            try
            {
                return marshaller.ContextualDeserializer(deserializationContext);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                RequestUndecodable(_logger, method, ex.GetType().Name, ex.Message);
                throw new RpcException(new Status(StatusCode.InvalidArgument, UndecodableMessage));
            }
        });

    [LoggerMessage(EventId = 211, EventName = "request_undecodable", Level = LogLevel.Warning,
        Message = "A request to {RpcMethod} could not be decoded ({ErrorType}: {Error}); answered INVALID_ARGUMENT")]
    private static partial void RequestUndecodable(ILogger logger, string rpcMethod, string errorType, string error);

    /// <summary>Mirrors grpc-dotnet's binder: each method's handler is the service's override of the generated base method.</summary>
    private sealed class Binder(ServiceMethodProviderContext<TService> context, Type declaringType, DecodingSafeServiceMethodProvider<TService> owner)
        : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, [typeof(TRequest), typeof(ServerCallContext)]);
            context.AddUnaryMethod(Guarded(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddServerStreamingMethod(Guarded(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)]);
            context.AddClientStreamingMethod(Guarded(method), metadata, invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = Model<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name,
                [typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)]);
            context.AddDuplexStreamingMethod(Guarded(method), metadata, invoker);
        }

        private Method<TRequest, TResponse> Guarded<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class =>
            new(method.Type, method.ServiceName, method.Name, owner.Guard(method.RequestMarshaller, method.FullName), method.ResponseMarshaller);

        private (TDelegate Invoker, List<object> Metadata) Model<TDelegate>(string methodName, Type[] parameters)
            where TDelegate : Delegate
        {
            var handler = FindOverride(methodName, parameters)
                ?? throw new InvalidOperationException($"Could not find '{methodName}' on {typeof(TService)}.");
            var metadata = new List<object>();
            // Type attributes first, method attributes last (higher priority), and POST only, as grpc-dotnet does.
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(handler.GetCustomAttributes(inherit: true));
            metadata.Add(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
        }

        private MethodInfo? FindOverride(string methodName, Type[] parameters)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var candidate = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Instance, binder: null, parameters, modifiers: null);
                if (candidate is null)
                {
                    return null;
                }

                if (candidate.IsVirtual && candidate.GetBaseDefinition().DeclaringType == declaringType)
                {
                    return candidate;
                }
            }

            return null;
        }
    }
}
