using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Rcnn.Training.Data;

namespace Rcnn.MLNet.Tests;

/// <summary>The truth for the pipeline: ONNX Runtime run directly on the exported bytes (the contract's FlatPixels
/// inputs), on pixels decoded by Rcnn.Training's ImageReader.</summary>
internal static class OrtDirect
{
    public static List<(string[] Labels, float[] Scores, float[] Boxes)> Score(byte[] onnx, IEnumerable<string> images)
    {
        using var session = new InferenceSession(onnx);
        var results = new List<(string[], float[], float[])>();
        foreach (var path in images)
        {
            var rgb = ImageReader.Read(path, "RGB");
            int plane = rgb.Height * rgb.Width;
            var pixels = new float[3 * plane];
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < 3; c++)
                    pixels[c * plane + p] = rgb.Data[3 * p + c];
            using var outputs = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("pixels", new DenseTensor<float>(pixels, [pixels.Length])),
                NamedOnnxValue.CreateFromTensor("height", new DenseTensor<long>(new long[] { rgb.Height }, [1])),
                NamedOnnxValue.CreateFromTensor("width", new DenseTensor<long>(new long[] { rgb.Width }, [1])),
            ]);
            var byName = outputs.ToDictionary(o => o.Name);
            results.Add((byName["label_names"].AsTensor<string>().ToArray(), byName["scores"].AsTensor<float>().ToArray(),
                byName["boxes"].AsTensor<float>().ToArray()));
        }
        return results;
    }
}
