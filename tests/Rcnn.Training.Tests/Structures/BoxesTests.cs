using Rcnn.Training.Structures;
using TorchSharp;
using static Rcnn.Training.Tests.Structures.FixtureJson;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Structures;

[TestClass]
public class BoxesTests
{
    private static Boxes Make(params float[][] rows) =>
        new(rows.Length == 0 ? zeros(0, 4) : tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Length, 4));

    private static void AssertRows(float[][] expected, Tensor actual) =>
        AssertClose(tensor(expected.SelectMany(r => r).ToArray()).reshape(expected.Length, 4), actual, 1e-6, "boxes");

    [TestMethod]
    public void ConstructorAcceptsEmptyAndIntegerTensorsAndRejectsOtherShapes()
    {
        using var scope = NewDisposeScope();
        var empty = new Boxes(zeros(0));
        CollectionAssert.AreEqual(new long[] { 0, 4 }, empty.Tensor.shape);
        var ints = new Boxes(tensor(new long[] { 1, 2, 3, 4 }).reshape(1, 4));
        Assert.AreEqual(ScalarType.Float32, ints.Tensor.dtype);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Boxes(zeros(3, 5)));
        StringAssert.Contains(e.Message, "[3, 5]");
    }

    [TestMethod]
    public void AreaIsWidthTimesHeightWithoutPlusOne()
    {
        using var scope = NewDisposeScope();
        // (2-0)*(3-0) = 6; a zero-width box has area 0.
        var area = Make([0, 0, 2, 3], [1, 1, 1, 5]).Area();
        AssertClose(tensor(new float[] { 6, 0 }), area, 0, "area");
        CollectionAssert.AreEqual(new long[] { 0 }, Boxes.Empty().Area().shape);
    }

    [TestMethod]
    public void ClipClampsXToWidthAndYToHeightInPlace()
    {
        using var scope = NewDisposeScope();
        var boxes = Make([-5, -2, 20, 30], [3, 4, 8, 9]);
        var returned = boxes.Clip(height: 10, width: 15);
        Assert.AreSame(boxes, returned);
        AssertRows([[0, 0, 15, 10], [3, 4, 8, 9]], boxes.Tensor);
        Assert.AreEqual(0, Boxes.Empty().Clip(10, 15).Count);
    }

    [TestMethod]
    public void NonEmptyNeedsBothSidesStrictlyAboveTheThreshold()
    {
        using var scope = NewDisposeScope();
        var boxes = Make([0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 0.5f, 2]);
        CollectionAssert.AreEqual(new[] { true, false, false, true }, boxes.NonEmpty().data<bool>().ToArray());
        // Width 0.5 is not strictly above 0.5, but is above 0.4.
        CollectionAssert.AreEqual(new[] { true, false, false, false }, boxes.NonEmpty(0.5).data<bool>().ToArray());
        CollectionAssert.AreEqual(new[] { true, false, false, true }, boxes.NonEmpty(0.4).data<bool>().ToArray());
        Assert.AreEqual(0, Boxes.Empty().NonEmpty().numel());
    }

    [TestMethod]
    public void InsideBoxAllowsBoundaryThresholdPixelsOutside()
    {
        using var scope = NewDisposeScope();
        // Image 10 high, 20 wide: x0,y0 >= -t and x1 < 20 + t, y1 < 10 + t (x1 = width itself is outside).
        var boxes = Make([0, 0, 19.9f, 9.9f], [-1, 0, 5, 5], [0, 0, 20, 5], [0, -0.5f, 5, 10.4f]);
        CollectionAssert.AreEqual(new[] { true, false, false, false }, boxes.InsideBox(10, 20).data<bool>().ToArray());
        CollectionAssert.AreEqual(new[] { true, false, true, true }, boxes.InsideBox(10, 20, 0.5).data<bool>().ToArray());
        CollectionAssert.AreEqual(new[] { true, true, true, true }, boxes.InsideBox(10, 20, 1).data<bool>().ToArray());
    }

    [TestMethod]
    public void CentersAreMidpoints()
    {
        using var scope = NewDisposeScope();
        var centers = Make([0, 0, 2, 4], [1, 3, 4, 4]).GetCenters();
        AssertClose(tensor(new float[] { 1, 2, 2.5f, 3.5f }).reshape(2, 2), centers, 0, "centers");
    }

    [TestMethod]
    public void ScaleMultipliesXAndYSeparatelyInPlace()
    {
        using var scope = NewDisposeScope();
        var boxes = Make([1, 2, 3, 4]);
        Assert.AreSame(boxes, boxes.Scale(2, 10));
        AssertRows([[2, 20, 6, 40]], boxes.Tensor);
    }

    [TestMethod]
    public void IndexingByMaskIndicesAndInt()
    {
        using var scope = NewDisposeScope();
        var boxes = Make([0, 0, 1, 1], [1, 1, 2, 2], [2, 2, 3, 3]);
        AssertRows([[0, 0, 1, 1], [2, 2, 3, 3]], boxes[tensor(new[] { true, false, true })].Tensor);
        AssertRows([[2, 2, 3, 3], [0, 0, 1, 1]], boxes[tensor(new long[] { 2, 0 })].Tensor);
        AssertRows([[1, 1, 2, 2]], boxes[1].Tensor);
        AssertRows([[2, 2, 3, 3]], boxes[-1].Tensor);
        Assert.AreEqual(0, boxes[tensor(new[] { false, false, false })].Count);
        Assert.AreEqual(0, boxes[zeros(0, dtype: ScalarType.Int64)].Count);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => boxes[3]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => boxes[-4]);
    }

    [TestMethod]
    public void CatConcatenatesAndAcceptsEmpties()
    {
        using var scope = NewDisposeScope();
        var cat = Boxes.Cat([Make([0, 0, 1, 1]), Boxes.Empty(), Make([1, 1, 2, 2], [2, 2, 3, 3])]);
        AssertRows([[0, 0, 1, 1], [1, 1, 2, 2], [2, 2, 3, 3]], cat.Tensor);
        Assert.AreEqual(0, Boxes.Cat([]).Count);
    }

    [TestMethod]
    public void EmptyCloneAndTo()
    {
        using var scope = NewDisposeScope();
        var empty = Boxes.Empty();
        Assert.AreEqual(0, empty.Count);
        CollectionAssert.AreEqual(new long[] { 0, 4 }, empty.Tensor.shape);
        Assert.AreEqual(0, empty.GetCenters().shape[0]);

        var boxes = Make([1, 2, 3, 4]);
        var clone = boxes.Clone();
        boxes.Scale(2, 2);
        AssertRows([[1, 2, 3, 4]], clone.Tensor);
        AssertRows([[2, 4, 6, 8]], boxes.To(CPU).Tensor);
    }
}
