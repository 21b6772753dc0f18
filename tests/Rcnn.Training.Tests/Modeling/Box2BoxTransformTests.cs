using System.Text.Json;
using Rcnn.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

[TestClass]
public class Box2BoxTransformTests
{
    private static readonly double Ln2 = Math.Log(2);

    [TestMethod]
    public void DefaultScaleClampIsLnOf1000Over16()
    {
        Assert.IsTrue(Math.Abs(Box2BoxTransform.DefaultScaleClamp - Math.Log(1000.0 / 16)) < 1e-15);
        Assert.AreEqual(Box2BoxTransform.DefaultScaleClamp, new Box2BoxTransform((1, 1, 1, 1)).ScaleClamp);
    }

    [TestMethod]
    public void GetDeltasMatchesHandComputedValues()
    {
        // src (0,0,10,20): w 10, h 20, centre (5,10). tgt (5,10,25,30): w 20, h 20, centre (15,20).
        // dx = (15-5)/10 = 1, dy = (20-10)/20 = 0.5, dw = ln(20/10) = ln 2, dh = ln(20/20) = 0; then times the weights.
        using var src = tensor(new float[] { 0, 0, 10, 20 }).view(1, 4);
        using var tgt = tensor(new float[] { 5, 10, 25, 30 }).view(1, 4);
        AssertClose(new[] { 1, 0.5, Ln2, 0 }, new Box2BoxTransform((1, 1, 1, 1)).GetDeltas(src, tgt), 1e-6);
        AssertClose(new[] { 10, 5, 5 * Ln2, 0 }, new Box2BoxTransform((10, 10, 5, 5)).GetDeltas(src, tgt), 1e-5);
    }

    [TestMethod]
    public void ApplyDeltasMatchesHandComputedValues()
    {
        // The inverse of the case above: centre (5 + 1*10, 10 + 0.5*20) = (15, 20), size (10*2, 20*1) = (20, 20).
        using var box = tensor(new float[] { 0, 0, 10, 20 }).view(1, 4);
        using var d1 = tensor(new float[] { 1, 0.5f, (float)Ln2, 0 }).view(1, 4);
        using var d2 = tensor(new float[] { 10, 5, (float)(5 * Ln2), 0 }).view(1, 4);
        AssertClose(new double[] { 5, 10, 25, 30 }, new Box2BoxTransform((1, 1, 1, 1)).ApplyDeltas(d1, box), 1e-5);
        AssertClose(new double[] { 5, 10, 25, 30 }, new Box2BoxTransform((10, 10, 5, 5)).ApplyDeltas(d2, box), 1e-5);
    }

    [TestMethod]
    public void RoundTripRecoversTheTargets()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        var src = RandomBoxes(gen, 200);
        var tgt = RandomBoxes(gen, 200);
        foreach (var t in new[] { new Box2BoxTransform((1, 1, 1, 1)), new Box2BoxTransform((10, 10, 5, 5)) })
        {
            var decoded = t.ApplyDeltas(t.GetDeltas(src, tgt), src);
            // float32 arithmetic on coordinates up to ~1000 px: a few ulps of relative error.
            float maxRel = ((decoded - tgt).abs() / tgt.abs().clamp_min(1)).max().item<float>();
            Assert.IsTrue(maxRel < 1e-5, $"round trip relative error {maxRel}");
        }
    }

    [TestMethod]
    public void LargeScaleDeltasAreClampedFromAboveOnly()
    {
        // dw = 10 is cut to ln(62.5): width 10 -> 625 around centre 5 -> x (-307.5, 317.5).
        // dh = -10 is not clamped: height 10 -> 10 e^-10 around centre 5.
        using var box = tensor(new float[] { 0, 0, 10, 10 }).view(1, 4);
        using var d = tensor(new float[] { 0, 0, 10, -10 }).view(1, 4);
        double h = 10 * Math.Exp(-10);
        AssertClose(new[] { -307.5, 5 - h / 2, 317.5, 5 + h / 2 }, new Box2BoxTransform((1, 1, 1, 1)).ApplyDeltas(d, box), 1e-5, relative: true);

        // The clamp applies after dividing by the weight: 50 / 5 = 10 is clamped too, 20 / 5 = 4 is not.
        using var dw = tensor(new float[] { 0, 0, 50, 20 }).view(1, 4);
        double h4 = 10 * Math.Exp(4);
        AssertClose(new[] { -307.5, 5 - h4 / 2, 317.5, 5 + h4 / 2 }, new Box2BoxTransform((10, 10, 5, 5)).ApplyDeltas(dw, box), 1e-5, relative: true);

        // A custom clamp of ln 2: width 10 -> 20.
        using var dc = tensor(new float[] { 0, 0, 3, 0 }).view(1, 4);
        AssertClose(new double[] { -5, 0, 15, 10 }, new Box2BoxTransform((1, 1, 1, 1), Ln2).ApplyDeltas(dc, box), 1e-5);
    }

    [TestMethod]
    public void ClassSpecificDeltasDecodeEachGroupOfFourAgainstTheRowsBox()
    {
        // Row 0: box (0,0,10,20), class 0 identity, class 1 the hand-computed case above.
        // Row 1: box (10,10,14,12) (w 4, h 2, centre (12, 11)); class 0 shifts by (+1 w, -1 h) = centre (16, 9);
        //        class 1 doubles the height: (10, 9, 14, 13).
        using var boxes = tensor(new float[] { 0, 0, 10, 20, 10, 10, 14, 12 }).view(2, 4);
        using var deltas = tensor(new float[]
        {
            0, 0, 0, 0, 1, 0.5f, (float)Ln2, 0,
            1, -1, 0, 0, 0, 0, 0, (float)Ln2,
        }).view(2, 8);
        var result = new Box2BoxTransform((1, 1, 1, 1)).ApplyDeltas(deltas, boxes);
        CollectionAssert.AreEqual(new long[] { 2, 8 }, result.shape);
        AssertClose(new double[] { 0, 0, 10, 20, 5, 10, 25, 30, 14, 8, 18, 10, 10, 9, 14, 13 }, result, 1e-5);
    }

    [TestMethod]
    public void EmptyInputsGiveEmptyOutputs()
    {
        var t = new Box2BoxTransform((10, 10, 5, 5));
        using var none = zeros(0, 4);
        CollectionAssert.AreEqual(new long[] { 0, 4 }, t.GetDeltas(none, none).shape);
        using var noDeltas = zeros(0, 12);
        CollectionAssert.AreEqual(new long[] { 0, 12 }, t.ApplyDeltas(noDeltas, none).shape);
    }

    [TestMethod]
    public void ApplyDeltasComputesInFloat32()
    {
        using var box = tensor(new double[] { 0, 0, 10, 20 }).view(1, 4);
        using var d = tensor(new double[] { 1, 0.5, Ln2, 0 }).view(1, 4);
        var result = new Box2BoxTransform((1, 1, 1, 1)).ApplyDeltas(d, box);
        Assert.AreEqual(ScalarType.Float32, result.dtype);
        AssertClose(new double[] { 5, 10, 25, 30 }, result, 1e-5);
    }

    [TestMethod]
    public void BadShapesAndWeightsAreRejected()
    {
        var t = new Box2BoxTransform((1, 1, 1, 1));
        using var boxes = zeros(3, 4);
        using var boxes2 = zeros(2, 4);
        using var threeCols = zeros(3, 3);
        using var fiveCols = zeros(3, 5);
        using var flat = zeros(12);
        Assert.ThrowsExactly<ArgumentException>(() => t.GetDeltas(threeCols, boxes));
        Assert.ThrowsExactly<ArgumentException>(() => t.GetDeltas(boxes, boxes2));
        Assert.ThrowsExactly<ArgumentException>(() => t.ApplyDeltas(fiveCols, boxes));
        Assert.ThrowsExactly<ArgumentException>(() => t.ApplyDeltas(flat, boxes));
        Assert.ThrowsExactly<ArgumentException>(() => t.ApplyDeltas(boxes, threeCols));
        Assert.ThrowsExactly<ArgumentException>(() => t.GetDeltas(boxes, boxes), "zero-size source boxes cannot be encoded against");
        var rows = Assert.ThrowsExactly<ArgumentException>(() => t.ApplyDeltas(boxes, boxes2));
        Assert.AreEqual("deltas", rows.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Box2BoxTransform((1, 0, 1, 1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Box2BoxTransform((1, 1, -5, 1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Box2BoxTransform((1, 1, 1, 1), double.NaN));
    }

    [TestMethod]
    public void AgreesWithTorchvisionBoxCoder()
    {
        // Fixture: tools/fixtures/box2box_torchvision.py (torchvision 0.14 BoxCoder.encode_single / decode_single,
        // float32, weights (1,1,1,1) and (10,10,5,5), k = 1 and 3, some dw/dh beyond the clamp).
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "box2box_torchvision.json")));
        Assert.AreEqual(Box2BoxTransform.DefaultScaleClamp, doc.RootElement.GetProperty("bbox_xform_clip").GetDouble(), 1e-12);
        int cases = 0;
        double worstEncode = 0, worstDecode = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var w = Floats(c, "weights");
            int n = c.GetProperty("n").GetInt32(), k = c.GetProperty("k").GetInt32();
            var t = new Box2BoxTransform((w[0], w[1], w[2], w[3]));
            var src = tensor(Floats(c, "src")).view(n, 4);
            var tgt = tensor(Floats(c, "tgt")).view(n, 4);
            var deltas = tensor(Floats(c, "deltas")).view(n, 4 * k);
            var encoded = Floats(c, "encoded").Select(v => (double)v).ToArray();
            var decoded = Floats(c, "decoded").Select(v => (double)v).ToArray();
            AssertClose(encoded, t.GetDeltas(src, tgt), 1e-5, relative: true);
            AssertClose(decoded, t.ApplyDeltas(deltas, src), 1e-5, relative: true);
            worstEncode = Math.Max(worstEncode, MaxRelativeError(encoded, t.GetDeltas(src, tgt)));
            worstDecode = Math.Max(worstDecode, MaxRelativeError(decoded, t.ApplyDeltas(deltas, src)));
            cases++;
        }
        Assert.AreEqual(4, cases);
        Console.WriteLine($"max |ours - torchvision| / max(1, |torchvision|): encode {worstEncode:E2}, decode {worstDecode:E2}");
    }

    private static float[] Floats(JsonElement e, string name) =>
        e.GetProperty(name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    private static Tensor RandomBoxes(Generator gen, int n)
    {
        var xy = rand(n, 2, generator: gen) * 500;
        // Sizes 20..320 keep every size ratio under 62.5, inside the scale clamp, so decoding inverts encoding.
        var wh = rand(n, 2, generator: gen) * 300 + 20;
        return cat(new[] { xy, xy + wh }, 1);
    }

    private static double MaxRelativeError(double[] expected, Tensor actual)
    {
        var a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        return expected.Select((e, i) => Math.Abs(a[i] - e) / Math.Max(1, Math.Abs(e))).Max();
    }

    /// <summary>Element-wise |a - e| &lt;= tol, or &lt;= tol * max(1, |e|) when relative.</summary>
    internal static void AssertClose(double[] expected, Tensor actual, double tol, bool relative = false)
    {
        var a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.AreEqual(expected.Length, a.Length, "element count");
        for (int i = 0; i < a.Length; i++)
        {
            double bound = relative ? tol * Math.Max(1, Math.Abs(expected[i])) : tol;
            Assert.IsTrue(Math.Abs(a[i] - expected[i]) <= bound, $"element {i}: expected {expected[i]}, got {a[i]} (tolerance {bound})");
        }
    }
}
