using Microsoft.ML.Runtime;

namespace Rcnn.MLNet.Host;

/// <summary>Lines to an ML.NET channel (they reach mlContext.Log), or nowhere when there is no environment.</summary>
internal sealed class DetectionLog : IDisposable
{
    private readonly IChannel? channel;

    public DetectionLog(IHostEnvironment? env, string name) => channel = env?.Start(name);

    // The single-argument overloads take the text verbatim (no string.Format), so braces in messages are safe.
    public void Info(string line) => channel?.Info(MessageSensitivity.None, line);

    public void Warning(string line) => channel?.Warning(MessageSensitivity.None, line);

    public void Dispose() => channel?.Dispose();
}
