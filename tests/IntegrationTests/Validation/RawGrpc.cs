using System.Buffers.Binary;
using System.Net.Http.Headers;

namespace WorkflowRuntime.IntegrationTests.Validation;

/// <summary>gRPC calls made by hand over HTTP/2, so a test can send bytes that no generated client would encode.</summary>
internal static class RawGrpc
{
    public sealed record Reply(int HttpStatus, int? GrpcStatus, string GrpcMessage, int TrailerBytes);

    /// <summary>Sends <paramref name="payload"/> as one length-prefixed gRPC message to <paramref name="method"/> (e.g. <c>pkg.Service/Method</c>).</summary>
    public static Task<Reply> CallAsync(HttpClient http, int port, string method, byte[] payload)
    {
        var body = new byte[payload.Length + 5];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1, 4), (uint)payload.Length);
        payload.CopyTo(body, 5);
        return SendAsync(http, port, method, body);
    }

    /// <summary>Sends <paramref name="body"/> as the request body exactly as given, frame header included.</summary>
    public static async Task<Reply> SendAsync(HttpClient http, int port, string method, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/{method}")
        {
            Content = new ByteArrayContent(body),
            // HTTP/2 with prior knowledge: the gRPC port speaks nothing else.
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        await response.Content.ReadAsByteArrayAsync();

        // A trailers-only response carries the status in the headers.
        var status = Header(response, "grpc-status");
        var message = Uri.UnescapeDataString(Header(response, "grpc-message") ?? string.Empty);
        var trailerBytes = response.TrailingHeaders.Concat(response.Headers).Sum(h => h.Key.Length + h.Value.Sum(v => v.Length));
        return new Reply((int)response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture),
            message, trailerBytes);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.FirstOrDefault()
        : response.Headers.TryGetValues(name, out var header) ? header.FirstOrDefault()
        : null;
}
