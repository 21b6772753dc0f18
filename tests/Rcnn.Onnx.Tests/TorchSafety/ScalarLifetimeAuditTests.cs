using Rcnn.Tests.Shared;
using TorchSharp;

namespace Rcnn.Onnx.Tests.TorchSafety;

[TestClass]
public class ScalarLifetimeAuditTests
{
    // TorchSharp passes implicit Scalars to native code with nothing keeping them alive (DEVELOPERS.md, "Scalars").
    [TestMethod]
    public void RcnnOnnxMakesNoTemporaryScalars()
    {
        var unsafeTorch = ScalarLifetimeAudit.UnsafeTorchSharpMethods(typeof(torch).Assembly.Location);
        var findings = ScalarLifetimeAudit.Audit(typeof(Rcnn.Onnx.Export.BackboneExporter).Assembly.Location, unsafeTorch);
        Assert.IsEmpty(findings, $"{findings.Count} temporary Scalars:\n" + string.Join("\n", findings));
    }
}
