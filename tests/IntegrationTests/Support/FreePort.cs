using System.Net;
using System.Net.Sockets;

namespace WorkflowRuntime.IntegrationTests.Support;

internal static class FreePort
{
    // Below Linux's ephemeral range (32768–60999 by default): a port the OS picked for a listener and released at
    // once could be handed to the next outgoing connection (the suite opens thousands) before the host under test
    // bound it, and the host then failed with "address already in use". Ports here are never chosen for
    // connections, and none is handed out twice in one run.
    private const int First = 20_000;
    private const int Last = 32_000;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    /// <summary>A loopback port nobody listens on right now and no earlier call of this run returned.</summary>
    public static int Next()
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (!HandedOut.Contains(port) && IsFree(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last} after 1,000 tries");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
