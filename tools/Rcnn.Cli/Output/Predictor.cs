using Rcnn.Training.Config;
using Rcnn.Training.Data;
using Rcnn.Training.Data.Transforms;
using Rcnn.Training.Modeling.MetaArch;
using static TorchSharp.torch;

namespace Rcnn.Cli.Output;

/// <summary>Runs a trained detector on image files with the config's test-time resize; boxes come back in the
/// file's own pixels.</summary>
public sealed class Predictor(GeneralizedRcnn model, RcnnConfig cfg, IReadOnlyList<string> classes)
{
    private readonly DatasetMapper mapper = new(false, AugmentationList.Build(cfg.Input, false), cfg.Input.Format);

    public ImagePrediction Predict(string file, float scoreThreshold = 0f)
    {
        var rgb = ImageReader.Read(file, "RGB");
        var record = new DatasetRecord(file, rgb.Height, rgb.Width, Path.GetFileNameWithoutExtension(file), []);
        using var scope = NewDisposeScope();
        using var sample = mapper.Map(record, new Random(0));
        model.eval();
        using var noGrad = no_grad();
        var output = model.Inference([sample.ToInput(training: false)])[0];
        var boxes = output.PredBoxes.Tensor.data<float>().ToArray();
        var scores = output.Scores.data<float>().ToArray();
        var labels = output.PredClasses.to_type(ScalarType.Int64).data<long>().ToArray();
        var detections = new List<Detection>();
        for (int i = 0; i < scores.Length; i++)
        {
            if (scores[i] < scoreThreshold) continue;
            int k = (int)labels[i];
            detections.Add(new Detection(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3], scores[i], k,
                k >= 0 && k < classes.Count ? classes[k] : $"class_{k}"));
        }
        return new ImagePrediction(file, rgb, detections);
    }
}
