using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Rcnn.MLNet.Serving;

/// <summary>
/// <c>POST /detect</c> and <c>GET /health</c> over a <see cref="DetectionService"/>. An upload that is not a whole image
/// gets 400 and one over <see cref="DetectionServiceOptions.MaxRequestBytes"/> 413, each with <c>{"error": "..."}</c>;
/// the service keeps serving either way.
/// </summary>
public static class DetectionEndpoints
{
    public static IEndpointRouteBuilder MapDetection(this IEndpointRouteBuilder app, DetectionService service)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(service);
        app.MapPost("/detect", async Task (HttpContext http) => await (await DetectAsync(http, service)).ExecuteAsync(http));
        app.MapGet("/health", () => Results.Json(new
        {
            status = "ok",
            model = service.Source,
            engines = service.Options.Engines,
            max_request_bytes = service.Options.MaxRequestBytes,
            served = service.Served,
            // Process memory, to watch a long-running service: resident (native included) and the managed heap's share.
            rss_mb = Math.Round(Environment.WorkingSet / 1048576.0, 1),
            managed_heap_mb = Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
        }));
        return app;
    }

    private static async Task<IResult> DetectAsync(HttpContext http, DetectionService service)
    {
        var request = http.Request;
        long limit = service.Options.MaxRequestBytes;
        float threshold = service.Options.ScoreThreshold;
        if (request.Query.TryGetValue("threshold", out var t))
        {
            if (!float.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) || threshold is < 0 or > 1 || float.IsNaN(threshold))
                return Error(StatusCodes.Status400BadRequest, $"threshold must be a number in [0, 1], got '{t}'.");
        }
        if (request.ContentLength > limit) return TooLarge(request.ContentLength.Value, limit);
        byte[] bytes;
        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = limit }, http.RequestAborted);
                var file = form.Files.Count > 0 ? form.Files[0] : null;
                if (file is null) return Error(StatusCodes.Status400BadRequest, "The multipart form has no file: send the image as a file field (or as the whole body).");
                if (file.Length > limit) return TooLarge(file.Length, limit);
                bytes = await ReadAsync(file.OpenReadStream(), limit, http.RequestAborted);
            }
            else
            {
                bytes = await ReadAsync(request.Body, limit, http.RequestAborted);
            }
        }
        catch (TooLargeException e)
        {
            return TooLarge(e.Read, limit);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(null, limit);
        }
        catch (InvalidDataException e)
        {
            // A multipart body over MultipartBodyLengthLimit, or malformed.
            return e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? TooLarge(null, limit)
                : Error(StatusCodes.Status400BadRequest, $"The multipart form could not be read: {e.Message}");
        }

        Microsoft.ML.Data.MLImage image;
        try
        {
            image = ImageUpload.Decode(bytes);
        }
        catch (ImageUploadException e)
        {
            return Error(StatusCodes.Status400BadRequest, e.Message);
        }
        using (image)
            return Results.Json(await service.DetectAsync(image, threshold, http.RequestAborted));
    }

    private static async Task<byte[]> ReadAsync(Stream body, long limit, CancellationToken cancel)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await body.ReadAsync(chunk, cancel)) > 0)
        {
            if (buffer.Length + n > limit) throw new TooLargeException(buffer.Length + n);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static IResult TooLarge(long? size, long limit) => Error(StatusCodes.Status413PayloadTooLarge,
        size is { } s
            ? $"The upload is {Mb(s)} or more; this service takes images up to {Mb(limit)} (DetectionServiceOptions.MaxRequestBytes, rcnn serve --max-request-mb)."
            : $"The upload is larger than this service takes: images up to {Mb(limit)} (DetectionServiceOptions.MaxRequestBytes, rcnn serve --max-request-mb).");

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.##} MB");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    private sealed class TooLargeException(long read) : Exception
    {
        public long Read { get; } = read;
    }
}
