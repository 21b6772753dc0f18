using Google.Protobuf;
using Rcnn.Onnx.Protos;
using Rcnn.Training;
using Rcnn.Training.Checkpoint;
using Rcnn.Training.Data;
using Rcnn.Training.Modeling.Backbones;
using static TorchSharp.torch;

namespace Rcnn.Onnx.Tests;

/// <summary>
/// ML.NET's ImageNet ResNet18.onnx (mlnet://ResNet18) imported into our ResNet against ONNX Runtime running the
/// package's own graph, on real photographs (BCCD and the playing-card photos) preprocessed by the package's own
/// ResNetPreprocess.onnx: the graph's pooled output and each stage's output (exposed as extra graph outputs) must
/// agree within 1e-4, relative to the largest magnitude of ORT's tensor.
/// </summary>
[TestClass]
public sealed class PretrainedResNet18ParityTests
{
    private const double Tolerance = 1e-4;
    private static readonly string[] Stages = ["res2", "res3", "res4", "res5"];

    [TestInitialize]
    public void Init() => TorchRuntime.EnsureLoaded();

    private static string ModelPath => PretrainedWeights.Resolve(PretrainedWeights.ResNet18.Name);

    private static string PreprocessPath => Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(ModelPath)!)!, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    [TestMethod]
    public void TheGraphIsTheTrunkTheCatalogSays()
    {
        using var import = OnnxResNetImporter.Read(ModelPath);
        Assert.AreEqual(PretrainedWeights.ResNet18.Architecture.Bottleneck, import.Architecture.Bottleneck);
        CollectionAssert.AreEqual(new[] { 2, 2, 2, 3 }, import.Architecture.BlocksPerStage.ToArray());
        Assert.AreEqual(PretrainedWeights.ResNet18.Architecture with { BlocksPerStage = import.Architecture.BlocksPerStage }, import.Architecture);
        StringAssert.StartsWith(import.Producer, "CNTK");
        // 22 convolutions: the stem, 2 per basic block (9 blocks) and 3 projections.
        Assert.AreEqual(22, import.Weights.Keys.Count(k => k.EndsWith(".weight") && !k.Contains(".norm.")));
        // CNTK pads its stride-2 3x3 convs and max pool [1, 1, 0, 0] and its stem [3, 3, 2, 2].
        Assert.AreEqual(5, import.Notes.Count(n => n.Contains("equal to symmetric padding")), string.Join("\n", import.Notes));
        Assert.IsTrue(import.Notes.Any(n => n.Contains("left out after the last block: AveragePool")), string.Join("\n", import.Notes));
    }

    [TestMethod]
    public void CatalogMeanIsThePackagesMeanImagePerChannel()
    {
        var mean = OnnxModelFile.Read(PreprocessPath).Initializers["MeanImage"];
        CollectionAssert.AreEqual(new long[] { 1, 3, 224, 224 }, mean.Dims);
        int plane = 224 * 224;
        for (int c = 0; c < 3; c++)
        {
            double m = mean.Values.Skip(c * plane).Take(plane).Average(v => (double)v);
            Assert.AreEqual(m, PretrainedWeights.ResNet18.PixelMean[c], 1e-3, $"channel {c} (B, G, R)");
        }
    }

    [TestMethod]
    [DataRow("bccd", "BloodImage_00007.jpg")]
    [DataRow("bccd", "BloodImage_00112.jpg")]
    [DataRow("cards", "IMG_2383.jpg")]
    [DataRow("cards", "cam_image5.jpg")]
    public void StagesAndPooledOutputMatchOrtOnThePackagesPreprocessing(string dataset, string file)
    {
        var rgb = Photo(dataset, file, 224, 224, "RGB");
        using var prep = new OrtRun(File.ReadAllBytes(PreprocessPath));
        using var scope = NewDisposeScope();
        var input = TestImages.ToChw(rgb).unsqueeze(0);
        var pre = prep.Run(("OriginalInput", input))["PreprocessedInput"];
        var x = tensor(pre.Floats, pre.Shape);

        using var import = OnnxResNetImporter.Read(ModelPath);
        var ort = RunWithStageOutputs(import, x, dynamicSize: false);
        var ours = Trunk(import).call(x);
        foreach (var stage in Stages) AssertClose(ours[stage], ort[import.StageOutputs[stage]], $"{file} {stage}");
        var pooled = ours["res5"].mean([2, 3], keepdim: true);
        AssertClose(pooled, ort["Pooling395_Output_0"], $"{file} pooled");
    }

    [TestMethod]
    [DataRow(480, 640)]
    [DataRow(256, 352)]
    public void StagesMatchOrtAtDetectorSizes(int height, int width)
    {
        using var scope = NewDisposeScope();
        var bgr = Photo("bccd", "BloodImage_00042.jpg", height, width, "BGR");
        var mean = PretrainedWeights.ResNet18.PixelMean.Select(v => (float)v).ToArray();
        var x = (TestImages.ToChw(bgr) - tensor(mean).view(3, 1, 1)).unsqueeze(0);
        using var import = OnnxResNetImporter.Read(ModelPath);
        var ort = RunWithStageOutputs(import, x, dynamicSize: true);
        var ours = Trunk(import).call(x);
        foreach (var stage in Stages) AssertClose(ours[stage], ort[import.StageOutputs[stage]], $"{height}x{width} {stage}");
    }

    private static ImageBuffer Photo(string dataset, string file, int height, int width, string format)
    {
        string folder = dataset == "bccd" ? Path.Combine("bccd", "BCCD") : Path.Combine("cards", "Cards");
        var image = ImageReader.Read(Path.Combine(TestFiles.RepoRoot, "datasets", folder, "JPEGImages", file), format);
        return TestImages.Resize(image, height, width);
    }

    private static ResNet Trunk(OnnxResNetImport import)
    {
        var resnet = ResNet.Build(18, Stages, "FrozenBN", res2OutChannels: 64, freezeAt: 0, numBlocksPerStage: import.Architecture.BlocksPerStage);
        var report = StateDictLoader.Load(resnet, import.Weights, strict: true);
        Assert.IsTrue(report.IsComplete, report.ToString());
        resnet.eval();
        return resnet;
    }

    /// <summary>The package's graph with each stage's output added as a graph output (and, for other sizes than 224,
    /// its input's height and width made symbolic), run in ONNX Runtime.</summary>
    private static Dictionary<string, Tensor> RunWithStageOutputs(OnnxResNetImport import, Tensor x, bool dynamicSize)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath));
        foreach (var stage in Stages)
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = import.StageOutputs[stage],
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        if (dynamicSize)
        {
            var dims = model.Graph.Input.Single(i => i.Name == "Input247").Type.TensorType.Shape.Dim;
            dims[2] = new TensorShapeProto.Types.Dimension { DimParam = "height" };
            dims[3] = new TensorShapeProto.Types.Dimension { DimParam = "width" };
            model.Graph.Output.RemoveAt(0);   // the 7x7 average pool is global only at 224
        }
        using var run = new OrtRun(model.ToByteArray());
        return run.Run(("Input247", x)).ToDictionary(kv => kv.Key, kv => tensor(kv.Value.Floats, kv.Value.Shape));
    }

    private static void AssertClose(Tensor ours, Tensor reference, string what)
    {
        CollectionAssert.AreEqual(reference.shape, ours.shape, $"{what}: shape");
        double scale = reference.abs().max().item<float>();
        double diff = (ours - reference).abs().max().item<float>();
        Assert.IsTrue(scale > 0, $"{what}: ORT's output is all zeros");
        Assert.IsTrue(diff <= Tolerance * scale, $"{what}: max |ours - ORT| = {diff:G4}, {diff / scale:G3} of ORT's largest |value| {scale:G4} (limit {Tolerance:G1})");
    }
}
