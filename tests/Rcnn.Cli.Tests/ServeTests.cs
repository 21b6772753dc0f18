using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Rcnn.MLNet.Scoring;
using Rcnn.Tests.Shared;
using SkiaSharp;

namespace Rcnn.Cli.Tests;

/// <summary>
/// <c>rcnn serve</c> as a separate process on loopback, over a model trained for a few iterations on BCCD images
/// (tiny, so its detections are many and low-scoring: requests ask for all of them with <c>?threshold=0</c>). Checks the
/// answers to good and bad uploads, then a bounded load test: concurrent clients post real BCCD test images, every
/// answer must equal the serial answer for the same image, and the server's resident memory (VmRSS, native included)
/// after the last request must be within 10% of what it was after warm-up. About a minute.
/// </summary>
[TestClass]
public sealed class ServeTests
{
    private const int Clients = 8;

    private static string modelDir = "";
    private static Process? server;
    private static HttpClient http = new();
    private static readonly List<string> ServerLog = [];

    [ClassInitialize]
    public static void TrainAndServe(TestContext _)
    {
        string voc = MiniData.MiniVoc("serve", 4, 1);
        modelDir = MiniData.TempDir("serve-model");
        var r = CliRunner.Run(["train", "--dataset", voc, "--output", modelDir, "--time-budget", "10m", "--num-threads", "1", "--preview-images", "0",
            .. MiniData.TinyOverrides, "SOLVER.MAX_ITER", "5"]);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Out + r.Err);
        Assert.IsTrue(File.Exists(Path.Combine(modelDir, "model.mlnet")), r.Out);
        (server, var url) = StartServer(modelDir, "--engines", "2", "--max-request-mb", "20");
        http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
    }

    [ClassCleanup]
    public static void Stop()
    {
        http.Dispose();
        if (server is { HasExited: false })
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit(10_000);
        }
        server?.Dispose();
    }

    private static (Process Process, string Url) StartServer(string model, params string[] extra)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "rcnn.dll"), "serve", "--model", model, "--urls", "http://127.0.0.1:0", .. extra])
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var url = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (ServerLog) ServerLog.Add(e.Data);
            int at = e.Data.IndexOf(" on http://", StringComparison.Ordinal);
            if (at >= 0) url.TrySetResult(e.Data[(at + 4)..].Split(' ', ',')[0]);
        };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (ServerLog) ServerLog.Add("stderr: " + e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!url.Task.Wait(TimeSpan.FromMinutes(2)))
        {
            p.Kill(true);
            Assert.Fail("rcnn serve did not say where it listens within 2 minutes:\n" + Log());
        }
        return (p, url.Task.Result);
    }

    private static string Log()
    {
        lock (ServerLog) return string.Join("\n", ServerLog);
    }

    private static long RssKb(Process p)
    {
        foreach (var line in File.ReadLines($"/proc/{p.Id}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        throw new InvalidOperationException("no VmRSS in /proc/PID/status");
    }

    private static async Task<(HttpStatusCode Status, string Body)> Post(byte[] body, string query = "?threshold=0", string contentType = "application/octet-stream", HttpClient? client = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await (client ?? http).PostAsync("/detect" + query, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string[] TestImages(int count) => MiniData.Split(MiniData.BccdRoot, "test").Take(count)
        .Select(id => Path.Combine(MiniData.BccdRoot, "JPEGImages", id.Trim() + ".jpg")).ToArray();

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality = 95)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    private static string Error(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;

    private static void AssertHealthyAndStillServing(byte[] image, string expected, string after)
    {
        var again = Post(image).Result;
        Assert.AreEqual(HttpStatusCode.OK, again.Status, $"after {after}: {again.Body}\n{Log()}");
        Assert.AreEqual(expected, again.Body, $"after {after}, the same image answered differently");
        Assert.IsFalse(server!.HasExited, $"the server exited after {after}:\n{Log()}");
    }

    [TestMethod]
    public void AnswersRealImagesAndRefusesBadUploadsWithoutDying()
    {
        string path = TestImages(1)[0];
        byte[] jpeg = File.ReadAllBytes(path);
        var ok = Post(jpeg).Result;
        Assert.AreEqual(HttpStatusCode.OK, ok.Status, ok.Body + "\n" + Log());
        var root = JsonDocument.Parse(ok.Body).RootElement;
        Assert.AreEqual((640, 480), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        var detections = root.GetProperty("detections").EnumerateArray().ToList();
        Assert.IsNotEmpty(detections, "threshold=0 returns every detection of the model");
        CollectionAssert.IsSubsetOf(detections.Select(d => d.GetProperty("label").GetString()).Distinct().ToList(), new[] { "RBC", "WBC", "Platelets" });

        // The service's answer is ML.NET's scoring of the same file with the saved model (an independent process and path).
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(ImageToPixelsFactory).Assembly);
        var model = ml.Model.Load(Path.Combine(modelDir, "model.mlnet"), out _);
        using (model as IDisposable)
        {
            var direct = DeployablesCheck.RunTransformer(ml, model, path);
            Assert.HasCount(direct.Count, detections, "detection count against ML.NET scoring of the file");
            for (int i = 0; i < direct.Count; i++)
            {
                Assert.AreEqual(direct[i].Label, detections[i].GetProperty("label").GetString(), $"label {i}");
                Assert.AreEqual(direct[i].Score, detections[i].GetProperty("score").GetSingle(), 1e-6f, $"score {i}");
                var box = detections[i].GetProperty("box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                for (int k = 0; k < 4; k++) Assert.AreEqual(direct[i].Box[k], box[k], 1e-3f, $"box {i}[{k}]");
            }
        }

        // The default threshold (0.5) keeps only what scores at least that.
        var defaulted = Post(jpeg, query: "").Result;
        Assert.AreEqual(HttpStatusCode.OK, defaulted.Status);
        var kept = JsonDocument.Parse(defaulted.Body).RootElement.GetProperty("detections").EnumerateArray().Select(d => d.GetProperty("score").GetSingle()).ToList();
        Assert.AreEqual(detections.Count(d => d.GetProperty("score").GetSingle() >= 0.5f), kept.Count);

        // The same image as a multipart file.
        using (var form = new MultipartFormDataContent())
        {
            var file = new ByteArrayContent(jpeg);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "image", Path.GetFileName(path));
            using var response = http.PostAsync("/detect?threshold=0", form).Result;
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
            Assert.AreEqual(ok.Body, response.Content.ReadAsStringAsync().Result, "multipart and raw body answer differently");
        }

        using var decoded = SKBitmap.Decode(path);
        // A PNG with an alpha channel (half transparent): scored, 200.
        using (var rgba = new SKBitmap(decoded.Width, decoded.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul))
        {
            for (int y = 0; y < decoded.Height; y++)
                for (int x = 0; x < decoded.Width; x++)
                    rgba.SetPixel(x, y, decoded.GetPixel(x, y).WithAlpha(128));
            var png = Post(Encode(rgba, SKEncodedImageFormat.Png)).Result;
            Assert.AreEqual(HttpStatusCode.OK, png.Status, "PNG with alpha: " + png.Body);
            Assert.AreEqual(640, JsonDocument.Parse(png.Body).RootElement.GetProperty("width").GetInt32());
        }
        // A grayscale JPEG: 200.
        using (var gray = new SKBitmap(decoded.Width, decoded.Height, SKColorType.Gray8, SKAlphaType.Opaque))
        {
            using (var canvas = new SKCanvas(gray)) canvas.DrawBitmap(decoded, 0, 0);
            var g = Post(Encode(gray, SKEncodedImageFormat.Jpeg)).Result;
            Assert.AreEqual(HttpStatusCode.OK, g.Status, "grayscale JPEG: " + g.Body);
        }

        // A truncated JPEG: 400 naming the truncation.
        var truncated = Post(jpeg[..(jpeg.Length / 2)]).Result;
        Assert.AreEqual(HttpStatusCode.BadRequest, truncated.Status, truncated.Body);
        StringAssert.Contains(Error(truncated.Body), "truncated");
        AssertHealthyAndStillServing(jpeg, ok.Body, "a truncated JPEG");

        // A text file: 400 saying it is not an image.
        var text = Post("hello, this is not an image\n"u8.ToArray(), contentType: "text/plain").Result;
        Assert.AreEqual(HttpStatusCode.BadRequest, text.Status, text.Body);
        StringAssert.Contains(Error(text.Body), "is not an image");

        // An empty body and a bad threshold: 400.
        var empty = Post([]).Result;
        Assert.AreEqual(HttpStatusCode.BadRequest, empty.Status, empty.Body);
        StringAssert.Contains(Error(empty.Body), "empty");
        var badThreshold = Post(jpeg, query: "?threshold=2").Result;
        Assert.AreEqual(HttpStatusCode.BadRequest, badThreshold.Status, badThreshold.Body);
        StringAssert.Contains(Error(badThreshold.Body), "threshold");

        // A 50 MB upload against the 20 MB limit: 413 with the limit in the message.
        var huge = new byte[50 * 1024 * 1024];
        jpeg.CopyTo(huge, 0);
        var tooLarge = Post(huge).Result;
        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, tooLarge.Status, tooLarge.Body);
        StringAssert.Contains(Error(tooLarge.Body), "20 MB");
        AssertHealthyAndStillServing(jpeg, ok.Body, "a 50 MB upload");

        using var health = http.GetAsync("/health").Result;
        Assert.AreEqual(HttpStatusCode.OK, health.StatusCode);
        var h = JsonDocument.Parse(health.Content.ReadAsStringAsync().Result).RootElement;
        Assert.AreEqual("ok", h.GetProperty("status").GetString());
        Assert.AreEqual(2, h.GetProperty("engines").GetInt32());
    }

    /// <summary>docs/onnx.md's batch command: the file SynapseML's ONNXModel takes (one unknown dimension, batch first), and
    /// its counts per image equal model.onnx's (the image layout) on the same BCCD images.</summary>
    [TestMethod]
    public void ExportBatchLayout_WritesAOneUnknownDimensionGraph_WithModelOnnxsCounts()
    {
        string batchFile = Path.Combine(MiniData.TempDir("batch-export"), "model_batch.onnx");
        var r = CliRunner.Run("export", "--model", modelDir, "--layout", "batch", "--batch-size", "480x640", "--output", batchFile);
        Assert.AreEqual(ExitCodes.Ok, r.ExitCode, r.Out + r.Err);
        using var batch = new Microsoft.ML.OnnxRuntime.InferenceSession(batchFile);
        var input = batch.InputMetadata.Single();
        Assert.AreEqual("images", input.Key);
        CollectionAssert.AreEqual(new[] { -1, 3, 480, 640 }, input.Value.Dimensions, "one unknown dimension, batch first");
        CollectionAssert.AreEquivalent(new[] { "boxes", "scores", "labels", "num_detections" }, batch.OutputMetadata.Keys.ToArray());

        using var single = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(modelDir, "model.onnx"));
        var paths = TestImages(2);
        var chw = paths.Select(p =>
        {
            using var bmp = SKBitmap.Decode(p);
            var t = new float[3 * 480 * 640];
            for (int y = 0; y < bmp.Height; y++)
                for (int x = 0; x < bmp.Width; x++)
                {
                    var c = bmp.GetPixel(x, y);   // the exported graph takes INPUT.FORMAT; this model's is BGR
                    t[(0 * 480 + y) * 640 + x] = c.Blue;
                    t[(1 * 480 + y) * 640 + x] = c.Green;
                    t[(2 * 480 + y) * 640 + x] = c.Red;
                }
            return t;
        }).ToArray();
        Assert.AreEqual("BGR", Rcnn.Training.Config.RcnnConfig.FromFile(Path.Combine(modelDir, "config.yaml")).Input.Format);
        var images = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(chw.SelectMany(t => t).ToArray(), [2, 3, 480, 640]);
        using var outputs = batch.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("images", images)]);
        var counts = outputs.Single(o => o.Name == "num_detections").AsEnumerable<long>().ToArray();
        for (int i = 0; i < 2; i++)
        {
            var one = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(chw[i], [3, 480, 640]);
            using var o = single.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("image", one)]);
            Assert.AreEqual(o.Single(v => v.Name == "scores").AsTensor<float>().Length, counts[i], $"image {i}: count");
        }
        Assert.IsTrue(counts.All(c => c > 0), "the tiny model detects something on both images (threshold 0.05)");
    }

    [TestMethod]
    public void ConcurrentClientsGetTheSerialAnswers_AndMemoryStaysFlat() => LoadTest(server!, http, warmUp: 336, measured: 240, rounds: 1);

    /// <summary>The long version: 10 rounds of 240 requests after the warm-up, RSS after each, p50/p99 latency and
    /// images/s (docs/serving.md). Opt-in: dotnet test tests/Rcnn.Cli.Tests -c Release --filter TestCategory=Heavy</summary>
    [TestMethod]
    [TestCategory("Heavy")]
    public void LongLoad_ReportsLatencyAndThroughput_AndMemoryStaysFlat()
    {
        // Its own server, which has seen nothing but this load.
        var (fresh, url) = StartServer(modelDir, "--engines", "2");
        using var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            LoadTest(fresh, client, warmUp: 600, measured: 240, rounds: 10);
        }
        finally
        {
            fresh.Kill(entireProcessTree: true);
            fresh.WaitForExit(10_000);
            fresh.Dispose();
        }
    }

    /// <summary><see cref="Clients"/> clients post BCCD test images: <paramref name="warmUp"/> requests (every engine and
    /// ONNX Runtime's and the allocator's arenas reach their working size under the same concurrency; measured here, the
    /// server's RSS stops growing after about 300), then <paramref name="rounds"/> of <paramref name="measured"/>.</summary>
    private static void LoadTest(Process proc, HttpClient client, int warmUp, int measured, int rounds)
    {
        var images = TestImages(16).Select(File.ReadAllBytes).ToArray();
        var serial = images.Select(img =>
        {
            var r = Post(img, client: client).Result;
            Assert.AreEqual(HttpStatusCode.OK, r.Status, r.Body);
            return r.Body;
        }).ToArray();

        int errors = 0;
        var mismatches = new List<string>();
        var latencies = new List<double>();
        void Load(int requests, bool record)
        {
            int next = -1;
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                for (int k; (k = Interlocked.Increment(ref next)) < requests;)
                {
                    int i = (k * 7) % images.Length;
                    try
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        var (status, body) = await Post(images[i], client: client);
                        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        if (record) lock (latencies) latencies.Add(ms);
                        if (status != HttpStatusCode.OK) Interlocked.Increment(ref errors);
                        else if (body != serial[i]) lock (mismatches) mismatches.Add($"request {k} (image {i})");
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            })).ToArray();
            Task.WaitAll(clients);
        }

        Load(warmUp, record: false);
        long warm = RssKb(proc);
        double worst = 0;
        var watch = Stopwatch.StartNew();
        for (int round = 0; round < rounds; round++)
        {
            Load(measured, record: true);
            double change = (RssKb(proc) - warm) / (double)warm;
            if (Math.Abs(change) > Math.Abs(worst)) worst = change;
            var health = JsonDocument.Parse(client.GetStringAsync("/health").Result).RootElement;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"after {warmUp + (round + 1) * measured} requests: RSS {RssKb(proc) / 1024.0:F0} MB ({change:+0.0%;-0.0%} from warm-up), managed heap {health.GetProperty("managed_heap_mb").GetDouble():F0} MB"));
        }
        watch.Stop();
        latencies.Sort();
        int total = rounds * measured;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"serve load: {Clients} clients, {total} requests in {watch.Elapsed.TotalSeconds:F1} s ({total / watch.Elapsed.TotalSeconds:F1} images/s), " +
            $"latency p50 {latencies[latencies.Count / 2]:F0} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F0} ms; RSS after warm-up {warm / 1024.0:F0} MB, worst change {worst:+0.0%;-0.0%}"));
        Assert.AreEqual(0, errors, "requests that failed\n" + Log());
        Assert.IsEmpty(mismatches, "answers under load that differ from the serial answer: " + string.Join(", ", mismatches.Take(10)));
        Assert.IsTrue(Math.Abs(worst) <= 0.10, $"the server's RSS moved {worst:P1} from its warm-up size (bar: 10%)");
        Assert.IsFalse(proc.HasExited);
    }
}
