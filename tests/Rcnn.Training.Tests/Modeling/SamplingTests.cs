using Rcnn.Training.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Rcnn.Training.Tests.Modeling;

[TestClass]
public class SamplingTests
{
    /// <summary>Labels laid out as runs: [count of value, ...], e.g. (1, 10) = ten 1s.</summary>
    private static Tensor Labels(params (long Value, int Count)[] runs) =>
        tensor(runs.SelectMany(r => Enumerable.Repeat(r.Value, r.Count)).ToArray());

    private static long[] Values(Tensor t) => t.data<long>().ToArray();

    [TestMethod]
    public void TooFewPositivesAreAllTakenAndNegativesFillTheRest()
    {
        // 10 positives, 100 negatives, 20 ignored; 64 samples at 1/4: #pos = min(10, 16) = 10, #neg = min(100, 54) = 54.
        using var labels = Labels((1, 10), (0, 100), (-1, 20));
        var (pos, neg) = Sampling.SubsampleLabels(labels, 64, 0.25, 0, new Generator(1));
        Assert.AreEqual(ScalarType.Int64, pos.dtype);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => (long)i).ToArray(), Values(pos));
        AssertValidDistinct(labels, neg, 54, l => l == 0);
    }

    [TestMethod]
    public void PlentifulLabelsGiveTheRequestedSplit()
    {
        // 100 of each: 64 at 1/2 -> 32 + 32.
        using var labels = Labels((0, 100), (-1, 7), (1, 100));
        var (pos, neg) = Sampling.SubsampleLabels(labels, 64, 0.5, 0, new Generator(2));
        AssertValidDistinct(labels, pos, 32, l => l == 1);
        AssertValidDistinct(labels, neg, 32, l => l == 0);
    }

    [TestMethod]
    public void TooFewNegativesAreAllTakenWithoutTopUpFromPositives()
    {
        // 100 positives, 5 negatives; 64 at 1/4: #pos = 16 (capped by the fraction, not raised), #neg = min(5, 48) = 5.
        using var labels = Labels((1, 100), (0, 5));
        var (pos, neg) = Sampling.SubsampleLabels(labels, 64, 0.25, 0, new Generator(3));
        AssertValidDistinct(labels, pos, 16, l => l == 1);
        CollectionAssert.AreEquivalent(new long[] { 100, 101, 102, 103, 104 }, Values(neg));
    }

    [TestMethod]
    public void PositiveCountTruncatesAndEveryNonBackgroundClassIsPositive()
    {
        // ROI-head style: classes 0..3 are foreground, 4 is background. 10 samples at 0.35 -> int(3.5) = 3 positives, 7 negatives.
        using var labels = Labels((0, 5), (3, 5), (4, 20), (-1, 5), (2, 5));
        var (pos, neg) = Sampling.SubsampleLabels(labels, 10, 0.35, 4, new Generator(4));
        AssertValidDistinct(labels, pos, 3, l => l is >= 0 and <= 3);
        AssertValidDistinct(labels, neg, 7, l => l == 4);
    }

    [TestMethod]
    public void NothingToSampleGivesEmptyIndices()
    {
        using var labels = Labels((-1, 4));
        var (pos, neg) = Sampling.SubsampleLabels(labels, 8, 0.5, 0);
        Assert.AreEqual(0L, pos.shape[0]);
        Assert.AreEqual(0L, neg.shape[0]);
    }

    [TestMethod]
    public void SameSeedSameSampleDifferentSeedDifferentSample()
    {
        using var labels = Labels((1, 50), (0, 200));
        var (p1, n1) = Sampling.SubsampleLabels(labels, 64, 0.25, 0, new Generator(42));
        var (p2, n2) = Sampling.SubsampleLabels(labels, 64, 0.25, 0, new Generator(42));
        var (p3, n3) = Sampling.SubsampleLabels(labels, 64, 0.25, 0, new Generator(43));
        CollectionAssert.AreEqual(Values(p1), Values(p2));
        CollectionAssert.AreEqual(Values(n1), Values(n2));
        // 16 of 50 and 48 of 200 in order: two seeds agreeing on both would be astronomically unlikely.
        Assert.IsFalse(Values(p1).SequenceEqual(Values(p3)) && Values(n1).SequenceEqual(Values(n3)));
    }

    [TestMethod]
    public void EveryCandidateIsChosenAboutEquallyOften()
    {
        // 20 positives, 30 negatives; 5 + 5 per draw, 400 draws: each positive is expected 100 times, each negative
        // ~66.7 times (binomial sd ~8.7 and ~7.7). Bounds of +-40% are > 4 sd; the seed makes the run deterministic.
        using var labels = Labels((1, 20), (0, 30));
        var counts = new int[50];
        var gen = new Generator(2024);
        for (int draw = 0; draw < 400; draw++)
        {
            using var scope = NewDisposeScope();
            var (pos, neg) = Sampling.SubsampleLabels(labels, 10, 0.5, 0, gen);
            Assert.AreEqual(5L, pos.shape[0]);
            Assert.AreEqual(5L, neg.shape[0]);
            foreach (long i in Values(pos).Concat(Values(neg))) counts[i]++;
        }
        for (int i = 0; i < 50; i++)
        {
            double expected = i < 20 ? 100 : 400 * 5 / 30.0;
            Assert.IsTrue(Math.Abs(counts[i] - expected) < 0.4 * expected, $"index {i} chosen {counts[i]} times, expected ~{expected:F1}");
        }
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        using var matrix = zeros(new long[] { 2, 3 }, ScalarType.Int64);
        using var labels = Labels((1, 3));
        Assert.ThrowsExactly<ArgumentException>(() => Sampling.SubsampleLabels(matrix, 4, 0.5, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sampling.SubsampleLabels(labels, -1, 0.5, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Sampling.SubsampleLabels(labels, 4, 1.5, 0));
    }

    private static void AssertValidDistinct(Tensor labels, Tensor idx, int count, Func<long, bool> wanted)
    {
        var all = Values(labels);
        var chosen = Values(idx);
        Assert.AreEqual(count, chosen.Length);
        Assert.AreEqual(count, chosen.Distinct().Count(), "indices must be distinct");
        foreach (long i in chosen)
        {
            Assert.IsTrue(i >= 0 && i < all.Length, $"index {i} out of range");
            Assert.IsTrue(wanted(all[i]), $"index {i} has label {all[i]}");
        }
    }
}
