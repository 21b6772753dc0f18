using Rcnn.MLNet.Scoring;

namespace Rcnn.MLNet.Tests.Packaging;

[TestClass]
public class ScoringAssemblyTests
{
    // A service that only scores references Rcnn.MLNet alone; TorchSharp (and libtorch with it) must not come along.
    [TestMethod]
    public void ScoringAssembly_ReferencesNeitherTorchSharpNorTheTrainingLibraries()
    {
        var scoring = typeof(ImageToPixelsFactory).Assembly;
        // Saved model zips name this assembly with its version: both stay as they were when models were saved.
        Assert.AreEqual("Rcnn.MLNet", scoring.GetName().Name);
        Assert.AreEqual(new Version(1, 0, 0, 0), scoring.GetName().Version);
        var references = scoring.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var forbidden = references.Where(n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n is "Rcnn.Training" or "Rcnn.Onnx" or "Rcnn.MLNet.Training").ToList();
        Assert.IsEmpty(forbidden, "the scoring assembly references " + string.Join(", ", forbidden));
        CollectionAssert.Contains(references, "Microsoft.ML.OnnxTransformer");
    }
}
