using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Rcnn.MLNet.Serving;

/// <summary>The whole service as <c>rcnn serve</c> runs it.</summary>
public static class DetectionServer
{
    /// <summary>Kestrel on <paramref name="urls"/> with <see cref="DetectionEndpoints"/> over <paramref name="service"/>.
    /// An oversized upload is answered by the endpoint (413 with a message), not cut off by Kestrel.</summary>
    public static WebApplication Build(DetectionService service, string urls, LogLevel logLevel = LogLevel.Warning)
    {
        ArgumentNullException.ThrowIfNull(service);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.UseUrls(urls);
        // The endpoint enforces MaxRequestBytes itself and answers 413; Kestrel's own limit would cut the connection
        // instead, and then clients that send the whole body first (HttpClient does) see a broken pipe, not the answer.
        // After the 413 Kestrel reads and drops the rest of the body, for a few seconds at most.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.MapDetection(service);
        return app;
    }
}
