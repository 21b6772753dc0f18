using System.Text.Json;
using Rcnn.Training.Layers;
using TorchSharp;
using static Rcnn.Training.Tests.Structures.FixtureJson;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Layers;

[TestClass]
public class LossesTests
{
    private static nn.Reduction ParseReduction(string name) => name switch
    {
        "none" => nn.Reduction.None,
        "mean" => nn.Reduction.Mean,
        "sum" => nn.Reduction.Sum,
        _ => throw new ArgumentException(name),
    };

    // A scalar loss is back-propagated with 1; an unreduced one with the fixture's weights, as the generator does.
    private static void Backward(Tensor loss, Tensor weights)
    {
        if (loss.dim() == 0) loss.backward();
        else (loss * weights).sum().backward();
    }

    [TestMethod]
    public void SmoothL1HandComputed()
    {
        using var scope = NewDisposeScope();
        var target = zeros(3);
        var input = tensor(new[] { 0.5f, -2f, 0f });
        // beta 1: 0.5 * 0.5^2 = 0.125; |-2| - 0.5 = 1.5; 0.
        AssertClose(tensor(new[] { 0.125f, 1.5f, 0f }), Losses.SmoothL1(input, target, 1.0), 1e-7, "beta 1");
        Assert.AreEqual(1.625f, Losses.SmoothL1(input, target, 1.0, nn.Reduction.Sum).item<float>(), 1e-6f);
        Assert.AreEqual(1.625f / 3, Losses.SmoothL1(input, target, 1.0, nn.Reduction.Mean).item<float>(), 1e-6f);
        // beta 0 (detectron2's default): plain L1.
        AssertClose(tensor(new[] { 0.5f, 2f, 0f }), Losses.SmoothL1(input, target, 0.0), 0, "beta 0");
    }

    [TestMethod]
    public void SmoothL1BelowMinimumBetaIsExactlyL1()
    {
        using var scope = NewDisposeScope();
        // With beta 5e-6 a true smooth L1 would give 2 - 2.5e-6; fvcore switches to |x| below 1e-5.
        var input = tensor(new[] { 2.0 });
        Assert.AreEqual(2.0, Losses.SmoothL1(input, zeros_like(input), 5e-6).item<double>(), 0.0);
        Assert.AreEqual(2.0 - 0.5 * 2e-5, Losses.SmoothL1(input, zeros_like(input), 2e-5).item<double>(), 1e-15);
    }

    [TestMethod]
    public void GiouHandComputed()
    {
        using var scope = NewDisposeScope();
        var boxes1 = tensor(new float[] { 0, 0, 2, 2, 0, 0, 2, 2, 0, 0, 1, 1, 3, 3, 3, 3 }).reshape(4, 4);
        var boxes2 = tensor(new float[] { 1, 1, 3, 3, 0, 0, 2, 2, 2, 0, 3, 1, 3, 3, 3, 3 }).reshape(4, 4);
        // 1) inter 1, union 7, enclosure 9: 1 - (1/7 - 2/9). 2) identical: 0.
        // 3) disjoint 1x1 boxes 1 apart: inter 0, union 2, enclosure 3: 1 - (0 - 1/3). 4) identical points: 1 - 0.
        var expected = tensor(new[] { 1 - (1f / 7 - 2f / 9), 0f, 4f / 3, 1f });
        var loss = Losses.Giou(boxes1, boxes2);
        AssertClose(expected, loss, 1e-6, "giou loss");
        Assert.AreEqual(expected.sum().item<float>(), Losses.Giou(boxes1, boxes2, nn.Reduction.Sum).item<float>(), 1e-6f);
        Assert.AreEqual(expected.mean().item<float>(), Losses.Giou(boxes1, boxes2, nn.Reduction.Mean).item<float>(), 1e-6f);
    }

    [TestMethod]
    public void EmptyInputsGiveZeroAndAGradient()
    {
        using var scope = NewDisposeScope();
        var input = zeros(0, 4).requires_grad_(true);
        var mean = Losses.SmoothL1(input, zeros(0, 4), 0.0, nn.Reduction.Mean);
        Assert.AreEqual(0f, mean.item<float>());
        mean.backward();
        CollectionAssert.AreEqual(new long[] { 0, 4 }, input.grad!.shape);
        Assert.AreEqual(0f, Losses.SmoothL1(zeros(0, 4), zeros(0, 4), 1.0, nn.Reduction.Sum).item<float>());
        CollectionAssert.AreEqual(new long[] { 0, 4 }, Losses.SmoothL1(zeros(0, 4), zeros(0, 4), 1.0).shape);

        var boxes = zeros(0, 4).requires_grad_(true);
        var giou = Losses.Giou(boxes, zeros(0, 4), nn.Reduction.Mean);
        Assert.AreEqual(0f, giou.item<float>());
        giou.backward();
        CollectionAssert.AreEqual(new long[] { 0, 4 }, boxes.grad!.shape);
        CollectionAssert.AreEqual(new long[] { 0 }, Losses.Giou(zeros(0, 4), zeros(0, 4)).shape);
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsExactly<ArgumentException>(() => Losses.SmoothL1(zeros(2, 4), zeros(3, 4), 1.0));
        StringAssert.Contains(e.Message, "[3, 4]");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Losses.SmoothL1(zeros(2), zeros(2), -1.0));
        Assert.ThrowsExactly<ArgumentException>(() => Losses.Giou(zeros(2, 3), zeros(2, 3)));
        Assert.ThrowsExactly<ArgumentException>(() => Losses.Giou(zeros(2, 4), zeros(1, 4)));
        var inverted = tensor(new float[] { 2, 0, 1, 1 }).reshape(1, 4);
        Assert.ThrowsExactly<ArgumentException>(() => Losses.Giou(inverted, zeros(1, 4)));
    }

    [TestMethod]
    public void SmoothL1MatchesTorchWithGradients()
    {
        using var scope = NewDisposeScope();
        var json = Load("structures_losses.json").GetProperty("smooth_l1");
        var input = ToTensor(json.GetProperty("input"));
        var target = ToTensor(json.GetProperty("target"));
        var weights = ToTensor(json.GetProperty("weights"));
        int count = 0;
        foreach (var c in json.GetProperty("cases").EnumerateArray())
        {
            double beta = c.GetProperty("beta").GetDouble();
            string reduction = c.GetProperty("reduction").GetString()!;
            string what = $"smooth_l1 beta={beta} {reduction}";
            var x = input.clone().requires_grad_(true);
            var loss = Losses.SmoothL1(x, target, beta, ParseReduction(reduction));
            AssertClose(ToTensor(c.GetProperty("loss")), loss, 1e-6, what);
            Backward(loss, weights);
            var torchGrad = ToTensor(c.GetProperty("grad_input"));
            if (c.TryGetProperty("grad_input_l1", out var l1Grad))
            {
                // beta 0 is fvcore's |x| branch: F.l1_loss is the reference, gradient 0 where input == target. torch's
                // smooth_l1 kernel picks -1 there instead and must agree everywhere else.
                AssertClose(ToTensor(c.GetProperty("loss_l1")), loss, 1e-6, what + " vs l1_loss");
                AssertClose(ToTensor(l1Grad), x.grad!, 1e-6, what + " grad vs l1_loss");
                var kink = input.eq(target);
                Assert.IsTrue(kink.any().item<bool>(), "the fixture is meant to hold an input == target entry");
                Assert.IsTrue(x.grad![kink].eq(0).all().item<bool>(), what + " grad at the kink");
                var rest = kink.logical_not();
                AssertClose(torchGrad[rest], x.grad![rest], 1e-6, what + " grad off the kink");
            }
            else
            {
                AssertClose(torchGrad, x.grad!, 1e-6, what + " grad");
            }
            count++;
        }
        Assert.AreEqual(12, count);
    }

    [TestMethod]
    public void GiouMatchesTorchvisionWithGradients()
    {
        using var scope = NewDisposeScope();
        var json = Load("structures_losses.json").GetProperty("giou");
        var boxes1 = ToTensor(json.GetProperty("boxes1"));
        var boxes2 = ToTensor(json.GetProperty("boxes2"));
        var weights = ToTensor(json.GetProperty("weights"));
        double eps = json.GetProperty("eps").GetDouble();
        int count = 0;
        foreach (var c in json.GetProperty("cases").EnumerateArray())
        {
            string reduction = c.GetProperty("reduction").GetString()!;
            string what = $"giou {reduction}";
            var p = boxes1.clone().requires_grad_(true);
            var g = boxes2.clone().requires_grad_(true);
            var loss = Losses.Giou(p, g, ParseReduction(reduction), eps);
            AssertClose(ToTensor(c.GetProperty("loss")), loss, 1e-6, what);
            Backward(loss, weights);
            AssertClose(ToTensor(c.GetProperty("grad_boxes1")), p.grad!, 1e-6, what + " grad boxes1");
            AssertClose(ToTensor(c.GetProperty("grad_boxes2")), g.grad!, 1e-6, what + " grad boxes2");
            count++;
        }
        Assert.AreEqual(3, count);
    }
}
