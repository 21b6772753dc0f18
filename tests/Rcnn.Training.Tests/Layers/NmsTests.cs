using Rcnn.Training.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Layers;

[TestClass]
public class NmsTests
{
    private static Tensor Boxes(params float[] xyxy) => tensor(xyxy).reshape(-1, 4);

    private static long[] Run(Tensor boxes, float[] scores, double iou) => Nms.Apply(boxes, tensor(scores), iou).data<long>().ToArray();

    [TestMethod]
    public void IouExactlyAtTheThresholdIsKept()
    {
        // Box 1 is the upper half of box 0: intersection 50, union 100 + 50 - 50 = 100, IoU exactly 0.5 in float.
        var boxes = Boxes(0, 0, 10, 10, 0, 0, 10, 5);
        CollectionAssert.AreEqual(new long[] { 0, 1 }, Run(boxes, new[] { 0.9f, 0.8f }, 0.5));
        CollectionAssert.AreEqual(new long[] { 0 }, Run(boxes, new[] { 0.9f, 0.8f }, 0.4999));
        // Scores decide which one survives.
        CollectionAssert.AreEqual(new long[] { 1 }, Run(boxes, new[] { 0.1f, 0.8f }, 0.3));
    }

    [TestMethod]
    public void FloatIouIsComparedWithTheDoubleThreshold()
    {
        // IoU = 10 / 100 computed in float is the float nearest 0.1, 0.100000001490116..., which is above the double
        // 0.1 (so torchvision suppresses) but not above the same float widened to double (so it keeps both).
        var boxes = Boxes(0, 0, 10, 10, 0, 0, 10, 1);
        CollectionAssert.AreEqual(new long[] { 0 }, Run(boxes, new[] { 0.9f, 0.8f }, 0.1));
        CollectionAssert.AreEqual(new long[] { 0, 1 }, Run(boxes, new[] { 0.9f, 0.8f }, (double)0.1f));
    }

    [TestMethod]
    public void EqualScoresKeepTheLowerIndexFirst()
    {
        // Disjoint boxes with equal scores come back in index order; of two identical boxes the lower index survives.
        var disjoint = Boxes(0, 0, 1, 1, 5, 5, 6, 6, 10, 10, 11, 11);
        CollectionAssert.AreEqual(new long[] { 1, 0, 2 }, Run(disjoint, new[] { 0.5f, 0.7f, 0.5f }, 0.5));
        var same = Boxes(0, 0, 4, 4, 20, 20, 24, 24, 0, 0, 4, 4);
        CollectionAssert.AreEqual(new long[] { 0, 1 }, Run(same, new[] { 0.5f, 0.5f, 0.5f }, 0.5));
    }

    [TestMethod]
    public void EmptyInputGivesAnEmptyInt64Result()
    {
        var keep = Nms.Apply(zeros(0, 4), zeros(0), 0.5);
        Assert.AreEqual(ScalarType.Int64, keep.dtype);
        Assert.AreEqual(0L, keep.numel());
        var batched = Nms.Batched(zeros(0, 4), zeros(0), zeros(0, dtype: ScalarType.Int64), 0.5);
        Assert.AreEqual(0L, batched.numel());
    }

    [TestMethod]
    public void MismatchedShapesAreRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Nms.Apply(zeros(3, 4), zeros(2), 0.5));
        StringAssert.Contains(ex.Message, "scores");
        Assert.ThrowsExactly<ArgumentException>(() => Nms.Apply(zeros(3, 5), zeros(3), 0.5));
        Assert.ThrowsExactly<ArgumentException>(() => Nms.Batched(zeros(3, 4), zeros(3), zeros(2, dtype: ScalarType.Int64), 0.5));
    }

    [TestMethod]
    public void BatchedSuppressesOnlyWithinAnId()
    {
        // Boxes 0 and 1 coincide (IoU 1) but have different ids, so both stay; box 2 coincides with 0 in the same id.
        var boxes = Boxes(0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10, 50, 50, 60, 60);
        var scores = tensor(new[] { 0.6f, 0.9f, 0.5f, 0.7f });
        var ids = tensor(new long[] { 3, 7, 3, 3 });
        CollectionAssert.AreEqual(new long[] { 1, 3, 0 }, Nms.Batched(boxes, scores, ids, 0.5).data<long>().ToArray());
    }

    [TestMethod]
    public void MatchesTorchvisionOnFixtures()
    {
        using var doc = OpsFixture.Load("nms");
        int checkedCases = 0;
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            string name = c.GetProperty("name").GetString()!;
            var boxes = tensor(OpsFixture.Floats(c.GetProperty("boxes"))).reshape(-1, 4);
            var scores = tensor(OpsFixture.Floats(c.GetProperty("scores")));
            var ids = tensor(OpsFixture.Longs(c.GetProperty("idxs")), ScalarType.Int64);
            foreach (var r in c.GetProperty("results").EnumerateArray())
            {
                double iou = r.GetProperty("iou").GetDouble();
                CollectionAssert.AreEqual(OpsFixture.Longs(r.GetProperty("keep")), Nms.Apply(boxes, scores, iou).data<long>().ToArray(), $"{name} nms iou {iou}");
                CollectionAssert.AreEqual(OpsFixture.Longs(r.GetProperty("batched_keep")), Nms.Batched(boxes, scores, ids, iou).data<long>().ToArray(), $"{name} batched iou {iou}");
                checkedCases++;
            }
        }
        Assert.AreEqual(18, checkedCases);
    }
}
