using Rcnn.Tests.Shared;
using TorchSharp;

namespace Rcnn.Training.Tests.TorchSafety;

[TestClass]
public class ScalarLifetimeAuditTests
{
    [TestMethod]
    public void RcnnTrainingMakesNoTemporaryScalars()
    {
        var unsafeTorch = ScalarLifetimeAudit.UnsafeTorchSharpMethods(typeof(torch).Assembly.Location);
        var findings = ScalarLifetimeAudit.Audit(typeof(TorchRuntime).Assembly.Location, unsafeTorch);
        Assert.IsEmpty(findings, $"{findings.Count} temporary Scalars (see DEVELOPERS.md, 'Scalars'):\n" + string.Join("\n", findings));
    }

    [TestMethod]
    public void AuditSeesTheKnownUnsafeOperatorsAndPassesTheSafeForms()
    {
        var unsafeTorch = ScalarLifetimeAudit.UnsafeTorchSharpMethods(typeof(torch).Assembly.Location);
        var findings = ScalarLifetimeAudit.Audit(typeof(ScalarLifetimeAuditTests).Assembly.Location, unsafeTorch)
            .Where(f => f.Contains(nameof(AuditSamples))).ToList();
        // Each unsafe sample is found once; the safe ones never.
        foreach (var name in new[] { nameof(AuditSamples.TensorPlusTensor), nameof(AuditSamples.TensorTimesDouble),
                     nameof(AuditSamples.ImplicitAlpha), nameof(AuditSamples.UndisposedLocal), nameof(AuditSamples.SgdStep) })
            Assert.IsTrue(findings.Any(f => f.Contains("." + name + " ")), $"{name} not flagged:\n" + string.Join("\n", findings));
        foreach (var name in new[] { nameof(AuditSamples.StaticScalar), nameof(AuditSamples.UsingScalar), nameof(AuditSamples.TensorMinusTensor) })
            Assert.IsFalse(findings.Any(f => f.Contains("." + name + " ")), $"{name} wrongly flagged:\n" + string.Join("\n", findings));
    }
}

/// <summary>Known cases for the audit; never run.</summary>
internal static class AuditSamples
{
    private static readonly Scalar Half = 0.5;

    public static torch.Tensor TensorPlusTensor(torch.Tensor a, torch.Tensor b) => a + b;
    public static torch.Tensor TensorTimesDouble(torch.Tensor a) => a * 0.5;
    public static torch.Tensor ImplicitAlpha(torch.Tensor a, torch.Tensor b) => a.add(b, alpha: 2.0);
    public static torch.Tensor UndisposedLocal(torch.Tensor a)
    {
        Scalar s = 0.5;
        return a.mul(s);
    }
    public static torch.optim.Optimizer SgdStep(torch.nn.Module m) => torch.optim.SGD(m.parameters(), 0.1, momentum: 0.9);
    public static torch.Tensor StaticScalar(torch.Tensor a) => a.mul(Half);
    public static torch.Tensor UsingScalar(torch.Tensor a, double v)
    {
        using var s = v.ToScalar();
        return a.mul(s);
    }
    public static torch.Tensor TensorMinusTensor(torch.Tensor a, torch.Tensor b) => a - b;
}
