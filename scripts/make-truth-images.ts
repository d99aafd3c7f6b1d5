/**
 * Builds data/truth/images/ from photos shipped in Debian packages (see data/truth/SOURCES.md).
 * Usage: extract the packages first (`apt-get download PKG && dpkg -x PKG_*.deb ROOT/x_PKG`), then
 * `npx tsx scripts/make-truth-images.ts ROOT`. Each photo is made upright, resized to at most 1024 px on
 * its long side and written as JPEG q90; the JPEGs are committed, so nobody needs to run this again; photos already there are skipped, so adding
 * one needs only its own package.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';

/** [file name in the truth set, Debian package, path inside the package] */
export const TRUTH_PHOTOS: readonly (readonly [string, string, string])[] = [
  ['fruits.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/fruits.jpg'],
  ['mandrill.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/baboon.jpg'],
  ['squirrel.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/squirrel_cls.jpg'],
  ['swallowtail.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/butterfly.jpg'],
  ['footballer.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/messi5.jpg'],
  ['orange.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/orange.jpg'],
  ['apple.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/apple.jpg'],
  ['candies.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/smarties.png'],
  ['palace.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/home.jpg'],
  ['hotel_building.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/building.jpg'],
  ['brick_street.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/leuvenA.jpg'],
  ['circuit_board.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/board.jpg'],
  ['desk_items.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/stuff.jpg'],
  ['basketball.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/basketball1.png'],
  ['aloe.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/aloeL.jpg'],
  ['car_rear.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/licenseplate_motion.jpg'],
  ['notebook.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/ela_original.jpg'],
  ['box_scene.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/box_in_scene.png'],
  ['graffiti.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/graf1.png'],
  ['pekingese.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/chicky_512.png'],
  ['document.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/imageTextN.png'],
  ['notice_sign.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext01.jpg'],
  ['sports_sign.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext02.jpg'],
  ['copy_centre.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext03.jpg'],
  ['generator.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext04.jpg'],
  ['no_parking.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext05.jpg'],
  ['galleries.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext06.jpg'],
  ['hotel_sign.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word01.jpg'],
  ['potted_plant.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/alphamat/input_images/plant.jpg'],
  ['monarch_wing.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/dnn_superres/butterfly.png'],
  ['robin.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/hfs/data/000.jpg'],
  ['brick_house.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/reg/home.png'],
  ['coins.jpg', 'python3-skimage', 'usr/lib/python3/dist-packages/skimage/data/coins.png'],
  ['grand_central.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/800px-C_Marchi-GrandCentral-adj.jpg'],
  ['riverfront.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/600px-Tuebingen_Neckarfront_small15_2006-06-11.jpg'],
  ['church_nave.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/Big_ben_cylindrical.jpg'],
  ['pantheon.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/360px-Pantheon-150x100-rect-panini.jpg'],
  ['forest_trees.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/CA_fringes00.jpg'],
  ['parallax_hands.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/SB_Parallax.jpg'],
  ['bridge_cyclist.jpg', 'hugin-data', 'usr/share/hugin/xrc/data/help_en_EN/250px-LagardePont-defish.jpg'],
  ['marigold.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/Garden.jpg'],
  ['dune_grass.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/Dune.jpg'],
  ['raindrops.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/RainDrops.jpg'],
  ['ladybird.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/LadyBird.jpg'],
  ['yellow_flower.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/YellowFlower.jpg'],
  ['wine_room.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/Wine_by_Jakkub_Mede.jpg'],
  ['wall_clock.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/greentock_by_Peter_Nerlich.jpg'],
  ['dandelions.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg'],
  ['autumn_hills.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg'],
  ['two_dogs.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg'],
  ['sunset_hills.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg'],
  ['bird_toy.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/free_by_Peter_Nerlich.jpg'],
  ['mountain_path.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg'],
  ['forest_stream.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg'],
  ['paint_brushes.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/Picture_1A_by_freespace.jpg'],
  ['nuthatch.jpg', 'lomiri-wallpapers-20.04', 'usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg'],
  ['balloons.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Hot_Air_Balloons_H.jpg'],
  ['red_rocks.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Red_Rocks.jpg'],
  ['ballerina.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Ballerina3.jpg'],
  ['cheetah.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Cheetah.jpg'],
  ['hummingbird.jpg', 'wand-doc', 'usr/share/doc/wand-doc/html/_images/hummingbird.jpg'],
  ['cups.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg'],
  ['rowing_boats.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg'],
  ['fallen_leaf.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg'],
  ['foggy_pier.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/ColdRipple/contents/images/2560x1600.jpg'],
  // Added 2026-12-02, all to the tuning half (see data/truth/README.md).
  ['kite_sky.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/Kite/contents/images/2560x1600.jpg'],
  ['lake_pier.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg'],
  ['forest_path.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/Path/contents/images/2560x1600.jpg'],
  ['lake_dusk.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg'],
  ['ferns_above.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/OneStandsOut/contents/images/2560x1600.jpg'],
  ['grey_facade.jpg', 'plasma-workspace-wallpapers', 'usr/share/wallpapers/Grey/contents/images/2560x1600.jpg'],
  ['water_drop.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/Aqua.jpg'],
  ['dandelion_seeds.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/TwoWings.jpg'],
  ['storm_road.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/Storm.jpg'],
  ['grass_blades.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/GreenMeadow.jpg'],
  ['green_leaf.jpg', 'mate-backgrounds', 'usr/share/backgrounds/mate/nature/Blinds.jpg'],
  ['dragonfly_tree.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/Dragonfly_by_Bolly.jpg'],
  ['fig_bowl.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/Picture_0B_by_freespace.jpg'],
  ['bridge_cables.jpg', 'lomiri-wallpapers-16.04', 'usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg'],
  ['cola_glass.jpg', 'wand-doc', 'usr/share/doc/wand-doc/html/_images/seam.jpg'],
  ['cookie_box.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/box.png'],
  ['aerial_city.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/aero1.jpg'],
  ['aerial_town.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/aero3.jpg'],
  ['toy_whale.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/rubberwhale1.png'],
  ['blurred_page.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/text_motion.jpg'],
  ['defocused_page.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/text_defocus.jpg'],
  ['grace_hopper.jpg', 'python-matplotlib-data', 'usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg'],
  // Added 2026-12-03, all to the tuning half: people, faces, objects and text, the kinds that go wrong.
  ['flower_hat.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Flower_Hat.jpg'],
  ['grass_skirts.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Polynesia.jpg'],
  ['gold_buddha.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Gold_Statue.jpg'],
  ['denim_shorts.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Shorts.jpg'],
  ['violin.jpg', 'ruby-rmagick-doc', 'usr/share/doc/ruby-rmagick-doc/html/ex/images/Violin.jpg'],
  ['inca_tern.jpg', 'wand-doc', 'usr/share/doc/wand-doc/html/_images/inca_tern.jpg'],
  ['cola_bottle.jpg', 'wand-doc', 'usr/share/doc/wand-doc/html/_images/transform.jpg'],
  ['chessboard_man.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/left11.jpg'],
  ['sudoku_page.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/data/sudoku.png'],
  ['produkt_word.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_word04.jpg'],
  // Added 2026-12-03 (second batch), all to the tuning half: a crowd of people, vehicles, a bird, a decoy, scenes.
  ['taj_mahal.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/filters/examples/taj_orig.jpg'],
  ['mallard.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/quickie-crop-example-source.jpg'],
  ['guardsmen.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/quickie-flip-example-source.jpg'],
  ['vintage_car.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/quickie-jpeg-example.jpg'],
  ['castle_hill.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/quickie-scale-example.jpg'],
  ['park_terrace.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/filters/examples/map/pan-project-origin.jpg'],
  [
    'pickup_truck.jpg',
    'gimp-help-en',
    'usr/share/gimp/2.0/help/en/images/tutorials/tone-mapping/apple-orchard-truck-tone-mapped-with-Exposur.jpg',
  ],
  ['ground_squirrel.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/filters/examples/light-and-shadow/vignette-ex-orig.jpg'],
  ['power_lines.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/tone-mapping/power-lines.jpg'],
  ['daisies.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/filters/examples/distort/spherize-ex-orig.jpg'],
  ['bee_flower.jpg', 'gimp-help-en', 'usr/share/gimp/2.0/help/en/images/tutorials/quickie-remove-background-source.jpg'],
  // Added 2026-12-03 (third batch), all to the tuning half: signs and printed words.
  ['stationery_box.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word02.jpg'],
  ['freephone_sign.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word03.jpg'],
  ['fosters_sign.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word04.jpg'],
  ['sanyo_projector.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_segmented_word05.jpg'],
  ['here_word.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_word02.jpg'],
  ['riser_word.jpg', 'opencv-doc', 'usr/share/doc/opencv-doc/examples/text/scenetext_word03.jpg'],
];

async function main(root: string): Promise<void> {
  const out = join(import.meta.dirname, '..', 'data', 'truth', 'images');
  mkdirSync(out, { recursive: true });
  let written = 0;
  for (const [name, pkg, path] of TRUTH_PHOTOS) {
    // Committed photos are never rewritten: a later sharp or libvips could re-encode them with other
    // bytes and silently move every box and figure measured on them.
    if (existsSync(join(out, name))) continue;
    written++;
    await sharp(join(root, `x_${pkg}`, path))
      .rotate()
      .flatten({ background: '#ffffff' })
      .resize(1024, 1024, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 90 })
      .toFile(join(out, name));
  }
  console.log(`${written} new photos written to ${out} (${TRUTH_PHOTOS.length - written} already there)`);
}

if (process.argv[2]) await main(process.argv[2]);
