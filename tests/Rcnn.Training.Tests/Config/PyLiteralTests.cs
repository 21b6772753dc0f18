using Rcnn.Training.Config;

namespace Rcnn.Training.Tests.Config;

/// <summary>The literal decoder against what Python's ast.literal_eval returns for the same text.</summary>
[TestClass]
public class PyLiteralTests
{
    private static object? Parse(string s)
    {
        Assert.IsTrue(PyLiteral.TryParse(s, out var v, out var err), err);
        return v;
    }

    [TestMethod]
    public void Scalars()
    {
        Assert.AreEqual(42L, Parse("42"));
        Assert.AreEqual(-7L, Parse(" -7 "));
        Assert.AreEqual(0.0001, Parse("1e-4"));
        Assert.AreEqual(0.5, Parse(".5"));
        Assert.AreEqual(5.0, Parse("5."));
        Assert.AreEqual(true, Parse("True"));
        Assert.IsNull(Parse("None"));
        Assert.AreEqual("a'b", Parse("'a\\'b'"));
        Assert.AreEqual("x", Parse("\"x\""));
        Assert.AreEqual(3L, Parse("(3)"));   // parentheses without a comma are not a tuple
    }

    [TestMethod]
    public void Sequences()
    {
        CollectionAssert.AreEqual(new object[] { 800L }, (List<object?>)Parse("(800,)")!);
        CollectionAssert.AreEqual(new object[] { 1L, 2.5, "a" }, (List<object?>)Parse("[1, 2.5, 'a',]")!);
        Assert.AreEqual(0, ((List<object?>)Parse("()")!).Count);
        var nested = (List<object?>)Parse("[[32], (64, 128)]")!;
        CollectionAssert.AreEqual(new object[] { 32L }, (List<object?>)nested[0]!);
        CollectionAssert.AreEqual(new object[] { 64L, 128L }, (List<object?>)nested[1]!);
    }

    [TestMethod]
    public void NonLiteralsFail()
    {
        foreach (var s in new[] { "coco_2017_train", "true", "[1, 2", "010", "1 2", "", "{1: 2}", "'open" })
            Assert.IsFalse(PyLiteral.TryParse(s, out _, out _), s);
    }
}
