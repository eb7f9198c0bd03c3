# Chapter 13. Is it a cat?
# Run from the repository root: python snippets/ch13_is_it_a_cat.py

# %%
# --8<-- [start:imports]
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F  # noqa: N812
from skimage import data
from sklearn.metrics import precision_score, recall_score

from nnzero.conv import Conv2d, Flatten, MaxPool2d, conv2d, output_size, unfold
from nnzero.data import MiniBatches
from nnzero.layers import Linear, ReLU, Sequential
from nnzero.losses import binary_cross_entropy_with_logits
from nnzero.metrics import accuracy
from nnzero.optim import Adam
from nnzero.training import train_epoch

torch.manual_seed(0)
F64 = torch.float64
# --8<-- [end:imports]

# %%
# --8<-- [start:cat_photo]
cat = data.chelsea()  # a photo of a cat that ships inside scikit-image
print("shape:", cat.shape, " type:", cat.dtype, " values from", cat.min(), "to", cat.max())
print("numbers in the photo:", cat.size)
plt.figure(figsize=(5, 3.5))
plt.imshow(cat)
plt.axis("off")
plt.show()
# --8<-- [end:cat_photo]

# %%
# --8<-- [start:load_faces]
images = torch.tensor(data.lfw_subset(), dtype=F64)  # 200 grayscale pictures, 25 x 25 pixels
labels = torch.cat([torch.ones(100), torch.zeros(100)]).to(F64)  # 1 = a face, 0 = not a face
print("images:", tuple(images.shape), " labels:", tuple(labels.shape))
print("pixel values from", images.min().item(), "to", images.max().item())
print("faces:", int(labels.sum()), " not faces:", int((1 - labels).sum()))
# --8<-- [end:load_faces]

# %%
# --8<-- [start:show_faces]
fig, axes = plt.subplots(2, 8, figsize=(8, 2.5))
for column in range(8):
    for row, start, title in [(0, 0, "face"), (1, 100, "not a face")]:
        axes[row, column].imshow(images[start + column], cmap="gray")
        axes[row, column].set_title(title, fontsize=9)
        axes[row, column].axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:show_faces]


# %%
# --8<-- [start:split]
def stratified_split(y, fractions, seed):
    """Splits the indices of y into parts of the given sizes, each class in the same shares."""
    generator = torch.Generator().manual_seed(seed)
    parts = [[] for _ in fractions]
    for label in y.unique():  # the faces first, then the other pictures
        indices = torch.nonzero(y == label).flatten()
        indices = indices[torch.randperm(len(indices), generator=generator)]
        start = 0
        for part, fraction in zip(parts, fractions, strict=True):
            count = round(fraction * len(indices))
            part.append(indices[start : start + count])
            start += count
    return [torch.cat(part) for part in parts]


train_idx, val_idx, test_idx = stratified_split(labels, [0.5, 0.25, 0.25], seed=0)
for name, indices in [("train", train_idx), ("validation", val_idx), ("test", test_idx)]:
    print(f"{name:10}: {len(indices):3} pictures, {int(labels[indices].sum()):2} of them faces")
# --8<-- [end:split]

# %%
# --8<-- [start:standardize]
mean, std = images[train_idx].mean(), images[train_idx].std()  # the training set only
x_all = ((images - mean) / std).unsqueeze(1)  # (200, 1, 25, 25): one channel per picture
x_train, y_train = x_all[train_idx], labels[train_idx]
x_val, y_val = x_all[val_idx], labels[val_idx]
x_test, y_test = x_all[test_idx], labels[test_idx]
print(f"mean {mean:.3f}, spread {std:.3f}; inputs of shape {tuple(x_train.shape)}")
# --8<-- [end:standardize]


# %%
# --8<-- [start:mlp]
def make_mlp(seed=0):
    generator = torch.Generator().manual_seed(seed)
    return Sequential(
        Flatten(),  # (N, 1, 25, 25) -> (N, 625): the picture as one row of pixels
        Linear(625, 32, generator=generator, dtype=F64),
        ReLU(),
        Linear(32, 1, generator=generator, dtype=F64),  # one logit: "a face" when large
    )


def loss_fn(logits, target):
    return binary_cross_entropy_with_logits(logits.squeeze(1), target)


def train(model, batches, epochs):
    optimizer = Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        train_epoch(model, loss_fn, optimizer, batches)
    return model


@torch.no_grad()
def evaluate_binary(model, x, y):
    logits = model(x).squeeze(1)
    predicted = (logits > 0).to(F64)  # logit > 0 means probability > 0.5
    return binary_cross_entropy_with_logits(logits, y).item(), accuracy(predicted, y)


mlp_model = train(make_mlp(), MiniBatches(x_train, y_train, batch_size=10), epochs=30)
val_loss, val_acc = evaluate_binary(mlp_model, x_val, y_val)
print(f"MLP, 100 training pictures: validation loss {val_loss:.3f}, accuracy {val_acc:.3f}")
# --8<-- [end:mlp]


# %%
# --8<-- [start:how_many_examples]
def balanced_subset(n, seed):
    """n training pictures at random: n / 2 faces and n / 2 others."""
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for label in [1, 0]:
        indices = torch.nonzero(y_train == label).flatten()
        chosen.append(indices[torch.randperm(len(indices), generator=generator)[: n // 2]])
    return torch.cat(chosen)


def subset_batches(n, seed):
    subset = balanced_subset(n, seed)
    return MiniBatches(x_train[subset], y_train[subset], batch_size=10, seed=seed)


def train_on_subset(make_model, n, seed):
    epochs = 3000 // max(n, 10)  # about 300 steps, whatever n is
    return train(make_model(seed), subset_batches(n, seed), epochs)


for n in [2, 4, 10, 20, 100]:
    accuracies = [
        evaluate_binary(train_on_subset(make_mlp, n, seed), x_val, y_val)[1] for seed in range(5)
    ]
    print(
        f"{n:3} training pictures: validation accuracy {sum(accuracies) / 5:.3f}"
        f" (from {min(accuracies):.2f} to {max(accuracies):.2f} over 5 draws)"
    )
# --8<-- [end:how_many_examples]


# %%
# --8<-- [start:confusion]
def precision_recall(predicted, target):
    true_positives = int(((predicted == 1) & (target == 1)).sum())  # faces we called faces
    false_positives = int(((predicted == 1) & (target == 0)).sum())  # others we called faces
    false_negatives = int(((predicted == 0) & (target == 1)).sum())  # faces we missed
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    return precision, recall, (true_positives, false_positives, false_negatives)


few_shot = train_on_subset(make_mlp, 4, seed=0)  # a network that saw only 4 pictures
with torch.no_grad():
    probabilities = torch.sigmoid(few_shot(x_val).squeeze(1))
predicted = (probabilities >= 0.5).to(F64)
precision, recall, (tp, fp, fn) = precision_recall(predicted, y_val)
print(f"true positives {tp}, false positives {fp}, false negatives {fn}")
print(f"precision {precision:.3f}, recall {recall:.3f}, accuracy {accuracy(predicted, y_val):.3f}")
print(f"scikit-learn: precision {precision_score(y_val, predicted):.3f},", end=" ")
print(f"recall {recall_score(y_val, predicted):.3f}")
# --8<-- [end:confusion]

# %%
# --8<-- [start:thresholds]
for threshold in [0.1, 0.3, 0.5, 0.7, 0.9]:
    predicted = (probabilities >= threshold).to(F64)
    precision, recall, _ = precision_recall(predicted, y_val)
    print(f"threshold {threshold}: precision {precision:.3f}, recall {recall:.3f}")
# --8<-- [end:thresholds]

# %%
# --8<-- [start:unfold_demo]
picture = torch.arange(16, dtype=F64).reshape(1, 1, 4, 4)  # one 4 x 4 picture: 0, 1, ..., 15
print(picture[0, 0])
patches = unfold(picture, kernel_size=3)
print("patches:", tuple(patches.shape), " output side:", output_size(4, kernel_size=3))
print("first patch:", patches[0, :, 0].tolist())
print("same as torch's unfold:", torch.equal(patches, F.unfold(picture, kernel_size=3)))
# --8<-- [end:unfold_demo]

# %%
# --8<-- [start:edge_demo]
step = torch.zeros(1, 1, 5, 6, dtype=F64)
step[..., 3:] = 1.0  # dark on the left, bright on the right
vertical_edge = torch.tensor([[-1.0, 0.0, 1.0]] * 3, dtype=F64).reshape(1, 1, 3, 3)
print(conv2d(step, vertical_edge)[0, 0])
# --8<-- [end:edge_demo]

# %%
# --8<-- [start:cat_edges]
gray_cat = torch.tensor(cat, dtype=F64).mean(dim=2).reshape(1, 1, 300, 451) / 255
horizontal_edge = vertical_edge.transpose(2, 3)  # the same filter turned by 90 degrees
edge_maps = conv2d(gray_cat, torch.cat([vertical_edge, horizontal_edge]), padding=1)
print("feature maps:", tuple(edge_maps.shape))
fig, axes = plt.subplots(1, 3, figsize=(10, 2.6))
panels = [(gray_cat, "input"), (edge_maps[:, :1], "vertical edges"),
          (edge_maps[:, 1:], "horizontal edges")]  # fmt: skip
for ax, (image, title) in zip(axes, panels, strict=True):
    strength = image[0, 0].abs()
    ax.imshow(strength, cmap="gray", vmax=strength.quantile(0.99))  # the brightest 1 % white
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:cat_edges]

# %%
# --8<-- [start:conv_vs_torch]
generator = torch.Generator().manual_seed(13)
x = torch.randn(2, 3, 9, 8, generator=generator, dtype=F64)  # 2 pictures, 3 channels
weight = torch.randn(4, 3, 3, 3, generator=generator, dtype=F64)  # 4 filters of 3 x 3 x 3
bias = torch.randn(4, generator=generator, dtype=F64)
for stride, padding in [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]:
    ours = conv2d(x, weight, bias, stride=stride, padding=padding)
    theirs = F.conv2d(x, weight, bias, stride=stride, padding=padding)
    difference = (ours - theirs).abs().max().item()
    print(f"stride {stride}, padding {padding}: {tuple(ours.shape)}, difference {difference:.1e}")
# --8<-- [end:conv_vs_torch]


# %%
# --8<-- [start:conv_layer_ours]
generator = torch.Generator().manual_seed(0)
our_layer = Conv2d(3, 4, kernel_size=3, padding=1, generator=generator, dtype=F64)
our_maps = our_layer(x)  # the 2 pictures of 3 channels from the check above
# --8<-- [end:conv_layer_ours]

# %%
# --8<-- [start:conv_layer_torch]
torch_layer = torch.nn.Conv2d(3, 4, kernel_size=3, padding=1, dtype=F64)
with torch.no_grad():  # the same filters and biases as our layer
    torch_layer.weight.copy_(our_layer.weight)
    torch_layer.bias.copy_(our_layer.bias)
torch_maps = torch_layer(x)
# --8<-- [end:conv_layer_torch]

# %%
# --8<-- [start:conv_layer_difference]
print("shapes:", tuple(our_maps.shape), tuple(torch_maps.shape))
print(f"max difference: {(our_maps - torch_maps).abs().max().item():.1e}")
print("torch.equal:", torch.equal(our_maps, torch_maps))
# --8<-- [end:conv_layer_difference]


# %%
# --8<-- [start:cnn]
def make_cnn(seed=0):
    generator = torch.Generator().manual_seed(seed)
    return Sequential(
        Conv2d(1, 6, kernel_size=5, padding=2, generator=generator, dtype=F64),
        ReLU(),
        MaxPool2d(2),
        Conv2d(6, 12, kernel_size=3, padding=1, generator=generator, dtype=F64),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(12 * 6 * 6, 1, generator=generator, dtype=F64),
    )


cnn_model = make_cnn()
h = x_train[:2]
for layer in cnn_model.layers:
    h = layer(h)
    print(f"{type(layer).__name__:9} -> {tuple(h.shape)}")
count = sum(p.numel() for p in cnn_model.parameters())
print(f"weights: CNN {count}, MLP {sum(p.numel() for p in mlp_model.parameters())}")
# --8<-- [end:cnn]

# %%
# --8<-- [start:cnn_train]
train(cnn_model, MiniBatches(x_train, y_train, batch_size=10), epochs=30)
val_loss, val_acc = evaluate_binary(cnn_model, x_val, y_val)
print(f"CNN, 100 training pictures: validation loss {val_loss:.3f}, accuracy {val_acc:.3f}")
# --8<-- [end:cnn_train]

# %%
# --8<-- [start:flip_demo]
fig, axes = plt.subplots(1, 4, figsize=(6, 1.9))
for ax, image, title in zip(
    axes,
    [images[0], images[0].flip(-1), images[101], images[101].flip(-1)],
    ["face", "flipped", "not a face", "flipped"],
    strict=True,
):
    ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:flip_demo]


# %%
# --8<-- [start:random_flips]
class RandomFlips:
    """The batches of an epoch, each picture mirrored left to right with probability 1/2."""

    def __init__(self, batches, seed=0):
        self.batches = batches
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self):
        for x, y in self.batches:
            flip = torch.rand(len(x), generator=self.generator) < 0.5  # a new coin per picture
            yield torch.where(flip.reshape(-1, 1, 1, 1), x.flip(-1), x), y


# --8<-- [end:random_flips]


# %%
# --8<-- [start:augmentation]
def train_flipped(make_model, seed):
    batches = RandomFlips(subset_batches(10, seed), seed=seed)
    return train(make_model(seed), batches, epochs=300)


for name, make_model in [("MLP", make_mlp), ("CNN", make_cnn)]:
    for flips in [False, True]:
        results = [
            evaluate_binary(
                train_flipped(make_model, seed) if flips else train_on_subset(make_model, 10, seed),
                x_val,
                y_val,
            )
            for seed in range(5)
        ]
        mean_loss = sum(loss for loss, _ in results) / 5
        mean_acc = sum(acc for _, acc in results) / 5
        print(f"{name}, 10 pictures, flips={flips!s:5}: validation loss {mean_loss:.3f},", end="")
        print(f" accuracy {mean_acc:.3f}")
# --8<-- [end:augmentation]

# %%
# --8<-- [start:filters]
face = x_val[y_val == 1][:1]  # one validation face
with torch.no_grad():
    maps = cnn_model.layers[1](cnn_model.layers[0](face))  # the first convolution, then ReLU
filters = cnn_model.layers[0].weight.detach()
start = make_cnn().layers[0].weight  # the same seed gives the same starting filters
print(f"filters moved by {(filters - start).norm() / start.norm():.2f} of their starting size")
fig, axes = plt.subplots(2, 7, figsize=(9, 2.9))
axes[0, 0].imshow(face[0, 0], cmap="gray")
axes[0, 0].set_title("input", fontsize=9)
axes[1, 0].axis("off")
for i in range(6):
    axes[0, i + 1].imshow(filters[i, 0], cmap="gray")
    axes[0, i + 1].set_title(str(i + 1), fontsize=9)
    axes[1, i + 1].imshow(maps[0, i], cmap="gray")
axes[0, 1].set_ylabel("filters")
axes[1, 1].set_ylabel("feature maps")
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()
# --8<-- [end:filters]

# %%
# --8<-- [start:mlp_weights]
weights = mlp_model.layers[1].weight.detach()  # (32, 625): one row per hidden neuron
start = make_mlp().layers[1].weight.detach()
print(f"weights moved by {(weights - start).norm() / start.norm():.2f} of their starting size")
learned = (weights - start).reshape(32, 25, 25)  # what training added, as pictures
fig, axes = plt.subplots(2, 8, figsize=(9, 2.6))
for ax, w in zip(axes.flat, learned, strict=False):
    limit = w.abs().max()
    ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit)  # red: +, blue: -
    ax.axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:mlp_weights]

# %%
# --8<-- [start:test_once]
for name, model in [("MLP", mlp_model), ("CNN", cnn_model)]:
    with torch.no_grad():
        predicted = (model(x_test).squeeze(1) > 0).to(F64)
    precision, recall, _ = precision_recall(predicted, y_test)
    print(f"{name} on the test set: accuracy {accuracy(predicted, y_test):.3f},", end="")
    print(f" precision {precision:.3f}, recall {recall:.3f}")
# --8<-- [end:test_once]


# %%
# --8<-- [start:shifted_faces]
def shift_right_by(x, pixels):
    """Moves pictures `pixels` columns to the right; the columns left empty get 0, the mean."""
    return F.pad(x, (pixels, 0))[..., : x.shape[-1]]


val_faces = x_val[y_val == 1]  # the 25 validation faces: both networks found every one
for pixels in [0, 2, 4, 6, 8]:
    with torch.no_grad():
        found = [
            (model(shift_right_by(val_faces, pixels)) > 0).to(F64).mean().item()
            for model in (mlp_model, cnn_model)
        ]
    print(f"faces shifted by {pixels} pixels: found by the MLP {found[0]:.2f}, CNN {found[1]:.2f}")
# --8<-- [end:shifted_faces]

# %%
# --8<-- [start:cat_25]
square = gray_cat[..., 75:375]  # the middle 300 x 300 pixels of the photo: Chelsea's head
small_cat = F.interpolate(square, size=(25, 25), mode="area")  # each pixel: a 12 x 12 mean
x_cat = (small_cat - mean) / std  # standardized like the training pictures
for name, model in [("MLP", mlp_model), ("CNN", cnn_model)]:
    with torch.no_grad():
        probability = torch.sigmoid(model(x_cat)).item()
    print(f"{name}: probability that the cat is a face {probability:.3f}")
fig, axes = plt.subplots(1, 3, figsize=(5.4, 2.1))
panels = [(val_faces[0, 0], "face"), (shift_right_by(val_faces, 4)[0, 0], "shifted by 4 pixels"),
          (x_cat[0, 0], "cat, 25 × 25")]  # fmt: skip
for ax, (image, title) in zip(axes, panels, strict=True):
    ax.imshow(image, cmap="gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()
# --8<-- [end:cat_25]


# %%
# --8<-- [start:exercise_1]
def f1_score(predicted, target):
    true_positives = int(((predicted == 1) & (target == 1)).sum())
    false_positives = int(((predicted == 1) & (target == 0)).sum())
    false_negatives = int(((predicted == 0) & (target == 1)).sum())
    # 2PR / (P + R) with P and R written out; no 0 / 0 when nothing is found
    return 2 * true_positives / (2 * true_positives + false_positives + false_negatives)


predicted = (probabilities >= 0.5).to(F64)  # the network that saw 4 pictures
print(f"F1 of the network that saw 4 pictures: {f1_score(predicted, y_val):.3f}")

from nnzero.exercises.ch13 import check_1

check_1(f1_score)
# --8<-- [end:exercise_1]


# %%
# --8<-- [start:exercise_2]
def conv2d_loops(x, weight):
    n, _, height, width = x.shape
    c_out, _, k, _ = weight.shape
    out = torch.zeros(n, c_out, height - k + 1, width - k + 1, dtype=x.dtype)
    for i in range(height - k + 1):
        for j in range(width - k + 1):
            patch = x[:, :, i : i + k, j : j + k]  # (N, C_in, k, k)
            for o in range(c_out):
                out[:, o, i, j] = (patch * weight[o]).sum(dim=(1, 2, 3))
    return out


difference = conv2d_loops(step, vertical_edge) - conv2d(step, vertical_edge)
print(f"difference from our conv2d on the step picture: {difference.abs().max():.1e}")

from nnzero.exercises.ch13 import check_2

check_2(conv2d_loops)
# --8<-- [end:exercise_2]


# %%
# --8<-- [start:exercise_3]
def shift_right(images, pixels):
    shifted = torch.zeros_like(images)
    width = images.shape[-1]
    if pixels >= 0:
        shifted[..., pixels:] = images[..., : width - pixels]
    else:  # a negative shift moves the picture to the left
        shifted[..., :pixels] = images[..., -pixels:]
    return shifted


print(shift_right(torch.arange(1.0, 6.0).reshape(1, 1, 1, 5), 2)[0, 0])

from nnzero.exercises.ch13 import check_3

check_3(shift_right)
# --8<-- [end:exercise_3]
