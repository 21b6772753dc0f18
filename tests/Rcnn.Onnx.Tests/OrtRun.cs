using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Runs a model in ONNX Runtime (all graph optimisations on) with named float/int64 inputs and returns every
/// output as (data, shape); string outputs come back through the string arrays.</summary>
internal sealed class OrtRun : IDisposable
{
    private readonly SessionOptions options = new() { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };

    public OrtRun(byte[] model) => Session = new InferenceSession(model, options);

    public InferenceSession Session { get; }

    public Dictionary<string, (float[] Floats, long[] Longs, string[] Strings, long[] Shape)> Run(params (string Name, Tensor Value)[] inputs)
    {
        // TorchSharp's accessor cannot copy out an empty tensor.
        var values = inputs.Select(i => i.Value.dtype == ScalarType.Int64
            ? OrtValue.CreateTensorValueFromMemory(i.Value.numel() == 0 ? [] : i.Value.contiguous().data<long>().ToArray(), i.Value.shape)
            : OrtValue.CreateTensorValueFromMemory(i.Value.numel() == 0 ? [] : i.Value.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(),
                i.Value.shape)).ToList();
        try
        {
            var names = Session.OutputMetadata.Keys.ToArray();
            using var results = Session.Run(new RunOptions(), inputs.Select(i => i.Name).ToArray(), values, names);
            var output = new Dictionary<string, (float[], long[], string[], long[])>();
            for (int i = 0; i < names.Length; i++)
            {
                var info = results[i].GetTensorTypeAndShape();
                var shape = info.Shape;
                output[names[i]] = info.ElementDataType switch
                {
                    TensorElementType.Float => (results[i].GetTensorDataAsSpan<float>().ToArray(), [], [], shape),
                    TensorElementType.Int64 => ([], results[i].GetTensorDataAsSpan<long>().ToArray(), [], shape),
                    TensorElementType.String => ([], [], results[i].GetStringTensorAsArray(), shape),
                    var t => throw new NotSupportedException($"output {names[i]} has element type {t}"),
                };
            }
            return output;
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose()
    {
        Session.Dispose();
        options.Dispose();
    }

    /// <summary>max|a - b| / max|b|, asserting b is not all zeros (the comparison would be vacuous).</summary>
    public static double RelativeError(float[] actual, Tensor expected, string what)
    {
        var e = expected.contiguous().data<float>().ToArray();
        Assert.AreEqual(e.Length, actual.Length, $"{what}: element count");
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < e.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(actual[i] - e[i]));
            maxRef = Math.Max(maxRef, Math.Abs(e[i]));
        }
        Assert.IsTrue(maxRef > 0, $"{what} is all zeros: the comparison would be vacuous");
        return maxDiff / maxRef;
    }
}
