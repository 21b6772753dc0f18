using System.CommandLine;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Rcnn.MLNet.Serving;

namespace Rcnn.Cli.Commands;

/// <summary><c>rcnn serve</c>: a trained model behind HTTP (<see cref="DetectionServer"/>) until Ctrl+C or SIGTERM.</summary>
public static class ServeCommand
{
    public static Command Build(CliContext ctx)
    {
        var model = new Option<string>("--model", "-m") { Description = "An 'rcnn train' output folder (its model.mlnet), a model.mlnet file, or an ONNX export in the flat layout (rcnn export --layout flat).", Required = true };
        var urls = new Option<string>("--urls") { Description = "Where to listen; port 0 picks a free port. Use http://0.0.0.0:PORT to accept other machines.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var engines = new Option<int>("--engines") { Description = "Prediction engines for concurrent requests (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var maxMb = new Option<double>("--max-request-mb") { Description = "The largest upload accepted, in MB; larger ones get 413.", DefaultValueFactory = _ => 20 };
        var threshold = new Option<float>("--score-threshold", "-s") { Description = "Default minimum score of returned detections (a request's ?threshold= overrides it).", DefaultValueFactory = _ => 0.5f };
        var cmd = new Command("serve", "Serve a trained model over HTTP: POST /detect with an image returns its detections as JSON; GET /health.")
            { model, urls, engines, maxMb, threshold };
        cmd.SetAction(p => CliApp.Guard(ctx, () => Run(p.GetValue(model)!, p.GetValue(urls)!, p.GetValue(engines), p.GetValue(maxMb), p.GetValue(threshold), ctx)));
        return cmd;
    }

    public static int Run(string modelPath, string urls, int engines, double maxRequestMb, float threshold, CliContext ctx)
    {
        if (engines < 1) throw new CliUsageException($"--engines must be at least 1, got {engines}.");
        if (!(maxRequestMb > 0)) throw new CliUsageException($"--max-request-mb must be positive, got {maxRequestMb.ToString(CultureInfo.InvariantCulture)}.");
        if (threshold is < 0 or > 1) throw new CliUsageException($"--score-threshold must be in [0, 1], got {threshold.ToString(CultureInfo.InvariantCulture)}.");
        if (!File.Exists(modelPath) && !Directory.Exists(modelPath)) throw new CliUsageException($"--model: '{modelPath}' not found.");
        var options = new DetectionServiceOptions { Engines = engines, MaxRequestBytes = (long)(maxRequestMb * 1024 * 1024), ScoreThreshold = threshold };
        DetectionService service;
        try
        {
            service = DetectionService.Load(modelPath, options);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--model: {e.Message}");
        }
        using (service)
        {
            var app = DetectionServer.Build(service, urls);
            app.StartAsync(ctx.Stop).GetAwaiter().GetResult();
            try
            {
                var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
                ctx.Line($"Serving {service.Source} on {string.Join(", ", bound)} with {engines} prediction engines: POST /detect (the image as the body or a multipart file), GET /health. Ctrl+C stops.");
                var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
                WaitHandle.WaitAny([ctx.Stop.WaitHandle, stopping.WaitHandle]);
            }
            finally
            {
                app.StopAsync().GetAwaiter().GetResult();
                ((IDisposable)app).Dispose();
            }
            ctx.Line($"Stopped after {service.Served} images.");
        }
        return ExitCodes.Ok;
    }
}
