using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>Detections equal in count and order: each box within a pixel tolerance, score within a tolerance, same class.</summary>
internal static class DetectionAssert
{
    public static (double MaxBox, double MaxScore) Equal(Tensor boxes, Tensor scores, Tensor classes,
        float[] actualBoxes, float[] actualScores, long[] actualClasses, double boxTolerance, double scoreTolerance, string what = "")
    {
        var b = boxes.contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        var s = scores.contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        var c = classes.contiguous().to_type(ScalarType.Int64).data<long>().ToArray();
        Assert.AreEqual(s.Length, actualScores.Length, $"{what} detection count");
        Assert.AreEqual(b.Length, actualBoxes.Length, $"{what} box count");
        double maxBox = 0, maxScore = 0;
        for (int i = 0; i < s.Length; i++)
        {
            Assert.AreEqual(c[i], actualClasses[i], $"{what} class of detection {i}");
            maxScore = Math.Max(maxScore, Math.Abs(s[i] - actualScores[i]));
            Assert.AreEqual(s[i], actualScores[i], scoreTolerance, $"{what} score of detection {i}");
            for (int j = 0; j < 4; j++)
            {
                maxBox = Math.Max(maxBox, Math.Abs(b[i * 4 + j] - actualBoxes[i * 4 + j]));
                Assert.AreEqual(b[i * 4 + j], actualBoxes[i * 4 + j], boxTolerance, $"{what} coordinate {j} of detection {i}");
            }
        }
        Console.WriteLine($"{what} {s.Length} detections; max |box diff| {maxBox:G3} px, max |score diff| {maxScore:G3}");
        return (maxBox, maxScore);
    }
}
