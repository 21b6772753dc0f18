using Microsoft.ML.OnnxRuntime;
using Rcnn.Training.Modeling.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Exports a backbone once and runs the file in ONNX Runtime (all graph optimisations on) against the
/// TorchSharp forward of the same module.</summary>
internal static class OnnxParity
{
    public const double Tolerance = 1e-4;

    /// <summary>Random weights and statistics so that folding and norm mistakes cannot cancel out: norm scales in
    /// [0.5, 1.5], biases and means ~ N(0, 0.1^2), variances in [0.5, 2].</summary>
    public static void Randomize(nn.Module module, int seed)
    {
        using var _ = no_grad();
        var gen = new Generator((ulong)seed);
        var tensors = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
            .Concat(module.named_buffers().Select(b => (b.name, b.buffer)));
        foreach (var (name, t) in tensors)
        {
            if (t.dtype != ScalarType.Float32) continue;
            if (name.EndsWith("norm.weight")) t.copy_(rand(t.shape, generator: gen) + 0.5);
            else if (name.EndsWith("running_var")) t.copy_(rand(t.shape, generator: gen) * 1.5 + 0.5);
            else if (name.EndsWith("bias") || name.EndsWith("running_mean")) t.copy_(randn(t.shape, generator: gen) * 0.1);
        }
    }

    private static string TestName() =>
        new System.Diagnostics.StackTrace().GetFrames().Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType == typeof(BackboneExportTests))?.Name ?? "backbone";

    /// <summary>One exported file, run at every (batch, height, width); returns the worst relative error seen.</summary>
    public static double AssertMatches(Backbone model, int inChannels, params (int N, int H, int W)[] sizes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"rcnn-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            BackboneOnnxExporter.Export(model, path, inChannels);
            // Developer hook: keep the exported files for tools/fixtures/onnx_check.py.
            if (Environment.GetEnvironmentVariable("RCNN_ONNX_KEEP_DIR") is { Length: > 0 } keep)
                File.Copy(path, Path.Combine(Directory.CreateDirectory(keep).FullName, $"{TestName()}.onnx"), overwrite: true);
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            using var session = new InferenceSession(path, options);
            double worst = 0;
            foreach (var (n, h, w) in sizes)
            {
                using var scope = NewDisposeScope();
                var gen = new Generator((ulong)(h * 1000 + w));
                var x = randn(new long[] { n, inChannels, h, w }, generator: gen);
                Dictionary<string, Tensor> expected;
                using (no_grad()) expected = model.call(x);
                using var input = OrtValue.CreateTensorValueFromMemory(x.data<float>().ToArray(), x.shape);
                var names = session.OutputMetadata.Keys.ToArray();
                using var results = session.Run(new RunOptions(), new[] { BackboneOnnxExporter.InputName }, new[] { input }, names);
                CollectionAssert.AreEquivalent(expected.Keys.ToArray(), names);
                for (int i = 0; i < names.Length; i++)
                {
                    var reference = expected[names[i]];
                    CollectionAssert.AreEqual(reference.shape, results[i].GetTensorTypeAndShape().Shape, $"shape of {names[i]} at {h}x{w}");
                    var actual = results[i].GetTensorDataAsSpan<float>().ToArray();
                    var refData = reference.contiguous().data<float>().ToArray();
                    double maxDiff = 0, maxRef = 0;
                    for (int j = 0; j < refData.Length; j++)
                    {
                        maxDiff = Math.Max(maxDiff, Math.Abs(actual[j] - refData[j]));
                        maxRef = Math.Max(maxRef, Math.Abs(refData[j]));
                    }
                    Assert.IsTrue(maxRef > 0, $"{names[i]} is all zeros at {h}x{w}: the comparison would be vacuous");
                    double rel = maxDiff / maxRef;
                    Assert.IsTrue(rel < Tolerance, $"{names[i]} at {n}x{h}x{w}: max|diff|/max|ref| = {rel:E3} (max|ref| {maxRef:G4})");
                    worst = Math.Max(worst, rel);
                }
            }
            Console.WriteLine($"worst relative error {worst:E3}");
            return worst;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
