/**
 * Passwords that top the public breach corpora (RockYou, the LinkedIn, Adobe, MySpace and Yahoo dumps,
 * the NCSC/HIBP "most common" lists, password-spraying wordlists), lower-cased.
 *
 * Only entries of 8 or more characters are kept: anything shorter is already refused by the length rule.
 * Lookups are case-insensitive (`Password1` is refused as `password1`), so callers lower-case first.
 *
 * @example
 * COMMON_PASSWORDS.has(candidate.toLowerCase());
 */

// One whitespace-separated literal keeps ~2,000 entries readable and diffable without 2,000 lines.
const LIST = `
!@#$%^&* !@#$%^&*() !qaz1qaz !qaz2wsx 00000000 000000000 0000000000 00001111 01234567 012345678 0123456789
0987654321 0987poiu 0p9o8i7u 10101010 10203040 1020304050 11111111 111111111 1111111111 11112222 111222333
111222333444 11221122 11223344 1122334455 112233445566 11235813 12121212 1212121212 12211221 12312312
123123123 123123123123 1231231234 123321123 1234!@#$ 12341234 12344321 1234512345 123454321 1234554321
12345612 123456123 123456654321 12345678 1234567812345678 123456789 1234567890 1234567890- 12345678901
123456789012 1234567890q 1234567890qwerty 1234567891 12345678910 1234567899 123456789987654321 123456789a
123456789q 123456789qwerty 12345678a 12345678q 1234567a 1234567q 123456aa 123456ab 123456abc 123456as 123456az
123456qq 123456qwerty 123456zx 12345abc 12345qwe 12345qwert 1234abcd 1234qwer 1234rewq 123654789 123698745
123abc123 123asd123 123qwe!@# 123qwe123 123qweasd 123qweasdzxc 123zxc123 13131313 13572468 13579246 135792468
14725836 147258369 147852369 147896325 159357159 159357456 159753159 159753456 19871987 19881988 19891989
19901990 19911991 19921992 1a2b3c4d 1a2s3d4f 1q1q1q1q 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y 1q2w3e4r5t6y7u
1q2w3e4r5t6y7u8i9o0p 1qa2ws3ed 1qaz1qaz 1qaz2wsx 1qaz2wsx3edc 1qaz@wsx 1qazxsw2 1qw23er4 1z2x3c4v 20102010
20112011 20122012 20202020 22222222 22446688 24682468 25802580 258456258 31415926 314159265 321654987 33333333
44444444 456789123 55555555 66666666 69696969 741852963 77777777 789456123 789456321 87654321 88888888
89898989 963852741 98765432 987654321 9876543210 987654321a 98989898 99998888 99999999 999999999 9o8i7u6y
a1234567 a12345678 a123456789 a1b2c3d4 a1b2c3d4e5 a1s2d3f4 aa123456 aa12345678 aaa12345 aaaa1111 aaaa1234
aaaaaaaa aaaaaaaaa aaaaaaaaaa ab123456 abc12345 abc123456 abc123abc abcabcabc abcd1234 abcd12345 abcdef12
abcdefg1 abcdefgh abcdefghi abcdefghij access01 access11 access12 access123 access1234 access13 access22
access23 access69 access99 acdc1234 admin123 admin1234 admin12345 admin@123 adminadmin administrator
administrator1 adobe123 africa123 alexander alexander1 alexandra allstar1 amanda123 amazon123 america1
america123 andrea123 andrew01 andrew11 andrew12 andrew123 andrew1234 andrew13 andrew22 andrew23 andrew69
andrew99 angel123 angel1234 angelica1 angelina angelito angels12 anonymous anthony1 anthony123 anything
apple123 apples01 apples11 apples12 apples123 apples1234 apples13 apples22 apples23 apples69 apples99 arsenal!
arsenal01 arsenal1 arsenal11 arsenal12 arsenal123 arsenal1234 arsenal13 arsenal22 arsenal23 arsenal69
arsenal99 asd12345 asd123456 asdasd123 asdasdasd asdf1234 asdf123456 asdfasdf asdfasdf1 asdfghjk asdfghjkl
asdfghjkl1 asdfghjkl123 asdfghjklqwertyuiop asdfjkl; asdfqwer asdfzxcv asdqwe123 ashley01 ashley11 ashley12
ashley123 ashley1234 ashley13 ashley22 ashley23 ashley69 ashley99 asshole1 asshole123 austin01 austin11
austin12 austin123 austin1234 austin13 austin22 austin23 austin69 austin99 australia australia1 autumn2015
autumn2015! autumn2016 autumn2016! autumn2017 autumn2017! autumn2018 autumn2018! autumn2019 autumn2019!
autumn2020 autumn2020! autumn2021 autumn2021! autumn2022 autumn2022! autumn2023 autumn2023! autumn2024
autumn2024! autumn2025 autumn2025! avatar123 azerty12 azerty123 azertyui azertyuiop babyboy1 babycakes
babydoll babyface babygirl babygirl1 babygirl12 babygirl123 babygurl babylove badboy12 badgirl1 bailey01
bailey11 bailey12 bailey123 bailey1234 bailey13 bailey22 bailey23 bailey69 bailey99 banana01 banana11 banana12
banana123 banana1234 banana13 banana22 banana23 banana69 banana99 bangladesh barcelona barcelona1 baseball
baseball1 basketball basketball1 batman01 batman11 batman12 batman123 batman1234 batman13 batman22 batman23
batman69 batman99 beatles1 beautiful beautiful1 beckham7 benjamin benjamin1 berlin123 bestfriend bestfriend1
bestfriends bigboy12 bigcock1 bigdaddy bigdick1 bigmoney bitch123 bitches1 blackbird blackcat blackdragon
blackjack blessed1 blessed123 blink182 blue1234 blueberry bluebird blueeyes bluesky1 bmw12345 brandon1
brasil123 brazil123 brittany brittany1 broncos1 brooklyn brother1 bubbles1 bulldog1 bulldogs bullshit
bullshit1 buster01 buster11 buster12 buster123 buster1234 buster13 buster22 buster23 buster69 buster99
butterfly butterfly1 cadillac california canada123 candy123 caroline cashmoney catherine celtic1888 changeit
changeme changeme1 changeme123 charlie! charlie01 charlie1 charlie11 charlie12 charlie123 charlie1234
charlie13 charlie22 charlie23 charlie69 charlie99 cheese01 cheese11 cheese12 cheese123 cheese1234 cheese13
cheese22 cheese23 cheese69 cheese99 cheesecake cheetah1 chelsea! chelsea01 chelsea1 chelsea11 chelsea12
chelsea123 chelsea1234 chelsea13 chelsea22 chelsea23 chelsea69 chelsea99 cherry123 chevrolet chevy123 chicago1
chicago123 chicken! chicken01 chicken1 chicken11 chicken12 chicken123 chicken1234 chicken13 chicken22
chicken23 chicken69 chicken99 chocolat chocolate chocolate1 chocolate123 christ123 christian christian1
christopher coconut1 company2015 company2015! company2016 company2016! company2017 company2017! company2018
company2018! company2019 company2019! company2020 company2020! company2021 company2021! company2022
company2022! company2023 company2023! company2024 company2024! company2025 company2025! computer computer1
computer123 consumer contrasena contraseña cookie01 cookie11 cookie12 cookie123 cookie1234 cookie13 cookie22
cookie23 cookie69 cookie99 cookiemonster corvette cowboy01 cowboy11 cowboy12 cowboy123 cowboy1234 cowboy13
cowboy22 cowboy23 cowboy69 cowboy99 cowboys1 cristiano cupcake1 cupcakes cutiepie cutiepie1 cyber123
daddysgirl dancer12 dancing1 daniel01 daniel11 daniel12 daniel123 daniel1234 daniel13 daniel22 daniel23
daniel69 daniel99 danielle danielle1 danny123 darkangel darkness darkness1 darkside database database1
daughter david123 default1 demo1234 diamond! diamond01 diamond1 diamond11 diamond12 diamond123 diamond1234
diamond13 diamond22 diamond23 diamond69 diamond99 doberman dolphin! dolphin01 dolphin1 dolphin11 dolphin12
dolphin123 dolphin1234 dolphin13 dolphin22 dolphin23 dolphin69 dolphin99 dolphins dolphins1 doraemon dragon01
dragon11 dragon12 dragon123 dragon1234 dragon13 dragon22 dragon23 dragon69 dragon99 dragonball dragonballz
dreamer1 dropbox1 drummer1 eagles12 ebay1234 elephant elephant1 elizabeth elizabeth1 eminem123 emperor1
england1 europe12 everton1 everything facebook facebook1 facebook123 faithful falcon01 falcon11 falcon12
falcon123 falcon1234 falcon13 falcon22 falcon23 falcon69 falcon99 fall2015 fall2015! fall2016 fall2016!
fall2017 fall2017! fall2018 fall2018! fall2019 fall2019! fall2020 fall2020! fall2021 fall2021! fall2022
fall2022! fall2023 fall2023! fall2024 fall2024! fall2025 fall2025! family01 family11 family12 family123
family1234 family13 family22 family23 family69 family99 father123 fernando fernando1 ferrari1 florida1
flower01 flower11 flower12 flower123 flower1234 flower13 flower22 flower23 flower69 flower99 flowers1 football
football1 football12 football123 forever! forever01 forever1 forever11 forever12 forever123 forever1234
forever13 forever21 forever22 forever23 forever69 forever99 foreverlove fortnite fortnite1 freedom! freedom01
freedom1 freedom11 freedom12 freedom123 freedom1234 freedom13 freedom22 freedom23 freedom69 freedom99 friend01
friend11 friend12 friend123 friend1234 friend13 friend22 friend23 friend69 friend99 friends1 friends123
fuckme69 fuckoff1 fuckoff123 fuckthat fuckthis fuckyou1 fuckyou123 fuckyou2 fuckyoubitch gabriel1 gabriela
gemini01 gemini11 gemini12 gemini123 gemini1234 gemini13 gemini22 gemini23 gemini69 gemini99 george01 george11
george12 george123 george1234 george13 george22 george23 george69 george99 germany1 giants12 ginger01 ginger11
ginger12 ginger123 ginger1234 ginger13 ginger22 ginger23 ginger69 ginger99 giraffe1 gladiator gmail123
godfather godisgood golden01 golden11 golden12 golden123 golden1234 golden13 golden22 golden23 golden69
golden99 goldfish goodboy1 goodbye1 goodgirl goodluck goodluck1 goodmorning goodnight google01 google11
google12 google123 google1234 google13 google22 google23 google69 google99 government grandma1 grandmother
grandpa1 greenday greenday1 guest123 guestguest guitar12 guitar123 hacker123 hackers1 hacking1 hammer01
hammer11 hammer12 hammer123 hammer1234 hammer13 hammer22 hammer23 hammer69 hammer99 hannah01 hannah11 hannah12
hannah123 hannah1234 hannah13 hannah22 hannah23 hannah69 hannah99 happiness happy123 happylife hardware1
harley01 harley11 harley12 harley123 harley1234 harley13 harley22 harley23 harley69 harley99 harleydavidson
harrypotter haslo123 heather1 hello123 hello1234 hello12345 hellohello hellokitty hellokitty1 helloworld
helloworld1 highlander hockey01 hockey11 hockey12 hockey123 hockey1234 hockey13 hockey22 hockey23 hockey69
hockey99 hollywood honey123 honeybee honeybunny honeylove hotgirl1 hotmail1 hotmail123 hotstuff hunter01
hunter11 hunter12 hunter123 hunter1234 hunter13 hunter22 hunter23 hunter69 hunter99 hurricane husband1
iamgod12 ilovegod iloveher ilovehim ilovehim1 ilovejesus iloveme1 iloveme123 ilovemom ilovemymom ilovemyself
iloveu123 iloveyou iloveyou! iloveyou1 iloveyou12 iloveyou123 iloveyou143 iloveyou2 iloveyou22 iloveyou3
iloveyou7 iloveyoubaby iloveyoubitch iloveyouforever iloveyouso india123 indonesia instagram internet
internet1 internet12 internet123 ireland1 ironmaiden ironman1 isabella isabella1 italia123 jackson! jackson01
jackson1 jackson11 jackson12 jackson123 jackson1234 jackson13 jackson22 jackson23 jackson5 jackson69 jackson99
jacqueline january2015 january2015! january2016 january2016! january2017 january2017! january2018 january2018!
january2019 january2019! january2020 january2020! january2021 january2021! january2022 january2022!
january2023 january2023! january2024 january2024! january2025 january2025! jellyfish jennifer jennifer1
jessica! jessica01 jessica1 jessica11 jessica12 jessica123 jessica1234 jessica13 jessica22 jessica23 jessica69
jessica99 jesus123 jesus1234 jesuschrist jesusfreak jesuslovesme jonathan jonathan1 jordan01 jordan11 jordan12
jordan123 jordan1234 jordan13 jordan22 jordan23 jordan2323 jordan69 jordan99 joseph123 joshua01 joshua11
joshua12 joshua123 joshua1234 joshua13 joshua22 joshua23 joshua69 joshua99 junior01 junior11 junior12
junior123 junior1234 junior13 junior22 junior23 junior69 junior99 justin123 juventus kawasaki kenya123
kevin123 keyboard keyboard1 killer01 killer11 killer12 killer123 killer1234 killer13 killer22 killer23
killer69 killer99 kimberly kingdom1 kingfisher kingkong kingston kobe2424 labrador lakers24 lamborghini
lasvegas lauren123 lebron23 ledzeppelin legend01 legend11 legend12 legend123 legend1234 legend13 legend22
legend23 legend69 legend99 leopard1 letmein! letmein01 letmein1 letmein11 letmein12 letmein123 letmein1234
letmein13 letmein22 letmein23 letmein69 letmein99 lifehack linkedin linkedin1 linkinpark liverpool liverpool1
liverpool123 lkjhgfds lkjhgfdsa login123 london01 london11 london12 london123 london1234 london13 london22
london23 london69 london99 losangeles love1234 love12345 lovehurts lovelife lovelove lovely01 lovely11
lovely12 lovely123 lovely1234 lovely13 lovely22 lovely23 lovely69 lovely99 loveme01 loveme11 loveme12
loveme123 loveme1234 loveme13 loveme22 loveme23 loveme69 loveme99 lover123 lovers123 loveu123 loveyou1
loveyou123 loveyou2 loveyouu lucky123 macintosh macromedia madison1 maggie01 maggie11 maggie12 maggie123
maggie1234 maggie13 maggie22 maggie23 maggie69 maggie99 malaysia manchester manutd99 maradona10 marina01
marina11 marina12 marina123 marina1234 marina13 marina22 marina23 marina69 marina99 marlboro master01 master11
master12 master123 master1234 master13 master22 master23 master69 master99 masterkey matrix12 matrix123
matthew! matthew01 matthew1 matthew11 matthew12 matthew123 matthew1234 matthew13 matthew22 matthew23 matthew69
matthew99 maverick melanie1 melissa1 mercedes mercedes1 merlin01 merlin11 merlin12 merlin123 merlin1234
merlin13 merlin22 merlin23 merlin69 merlin99 messi123 metallica mexico123 michael! michael01 michael1
michael11 michael12 michael123 michael1234 michael13 michael22 michael23 michael69 michael99 michaeljordan
michelle michelle1 michelle12 mickey01 mickey11 mickey12 mickey123 mickey1234 mickey13 mickey22 mickey23
mickey69 mickey99 microsoft midnight midnight1 million1 millionaire millions minecraft minecraft1 minecraft123
mnbvcxz1 mnbvcxza mommy123 monday2015 monday2015! monday2016 monday2016! monday2017 monday2017! monday2018
monday2018! monday2019 monday2019! monday2020 monday2020! monday2021 monday2021! monday2022 monday2022!
monday2023 monday2023! monday2024 monday2024! monday2025 monday2025! money123 money1234 moneyman monique1
monitor1 monkey01 monkey11 monkey12 monkey123 monkey1234 monkey13 monkey22 monkey23 monkey69 monkey99 monster!
monster01 monster1 monster11 monster12 monster123 monster1234 monster13 monster22 monster23 monster69
monster99 moscow123 motdepasse mother123 motherfucker mountain mousepad1 muffin01 muffin11 muffin12 muffin123
muffin1234 muffin13 muffin22 muffin23 muffin69 muffin99 mummy123 musician mustang! mustang01 mustang1
mustang11 mustang12 mustang123 mustang1234 mustang13 mustang22 mustang23 mustang69 mustang99 mustangs mybaby12
myheart1 mylove12 mylove123 mypassword mypassword1 myspace1 myspace123 naruto123 narutouzumaki natasha1
nathan01 nathan11 nathan12 nathan123 nathan1234 nathan13 nathan22 nathan23 nathan69 nathan99 netflix1 network1
newcastle newpassword newyork1 newyork123 neymar11 nicholas nicholas1 nicole01 nicole11 nicole12 nicole123
nicole1234 nicole13 nicole22 nicole23 nicole69 nicole99 nigeria1 nintendo nintendo64 nirvana1 nobody12
nothing1 oliver01 oliver11 oliver12 oliver123 oliver1234 oliver13 oliver22 oliver23 oliver69 oliver99 onlyfans
orange01 orange11 orange12 orange123 orange1234 orange13 orange22 orange23 orange69 orange99 overlord p@ssw0rd
p@ssw0rd! p@ssw0rd1 p@ssword p@ssword1 pa$$w0rd pa$$word pa55w0rd pa55word packers1 pakistan pakistan123
pancakes1 panther! panther01 panther1 panther11 panther12 panther123 panther1234 panther13 panther22 panther23
panther69 panther99 paris123 parola123 passcode passpass passpass1 passphrase passw0rd passw0rd1 password
password! password.1 password0 password01 password1 password1! password11 password12 password123 password1234
password12345 password2 password2015 password2015! password2016 password2016! password2017 password2017!
password2018 password2018! password2019 password2019! password2020 password2020! password2021 password2021!
password2022 password2022! password2023 password2023! password2024 password2024! password2025 password2025!
password3 password69 password7 password9 password99 password_1 passwordpassword passwort passwort1 patricia
patrick! patrick01 patrick1 patrick11 patrick12 patrick123 patrick1234 patrick13 patrick22 patrick23 patrick69
patrick99 patriots paypal123 peace123 peaceful peanut01 peanut11 peanut12 peanut123 peanut1234 peanut13
peanut22 peanut23 peanut69 peanut99 pele1234 penguin1 pepper01 pepper11 pepper12 pepper123 pepper1234 pepper13
pepper22 pepper23 pepper69 pepper99 philippines phoenix! phoenix01 phoenix1 phoenix11 phoenix12 phoenix123
phoenix1234 phoenix13 phoenix22 phoenix23 phoenix69 phoenix99 photoshop pianoman pickle01 pickle11 pickle12
pickle123 pickle1234 pickle13 pickle22 pickle23 pickle69 pickle99 pikachu1 pineapple pinkfloyd playboy1
playboy123 player01 player11 player12 player123 player1234 player13 player22 player23 player69 player99
playstation playstation2 playstation3 poiuytre poiuytrewq pokemon1 pokemon123 popstar1 porsche1 precious
precious1 president prince123 princesa princess princess! princess1 princess12 princess123 princeton purple01
purple11 purple12 purple123 purple1234 purple12345 purple13 purple22 purple23 purple69 purple99 pussycat
q1234567 q12345678 q1q1q1q1 q1w2e3r4 q1w2e3r4t5 q1w2e3r4t5y6 qazwsx12 qazwsx123 qazwsxedc qazwsxedcrfv
qq123456 qqqqqqqq queen123 queenbee qwe123!@# qwe12345 qwe123456 qwe123qwe qweasd123 qweasdqwe qweasdzxc
qweasdzxc123 qweqweqwe qwer1234 qwer4321 qwerasdf qwertasdfg qwerty007 qwerty01 qwerty1! qwerty11 qwerty12
qwerty123 qwerty123! qwerty1234 qwerty12345 qwerty123456 qwerty13 qwerty22 qwerty23 qwerty69 qwerty77
qwerty789 qwerty99 qwertyqwerty qwertyu1 qwertyui qwertyuiop qwertyuiop1 qwertyuiop123 qwertyuiop123456
qwertyuiopasdfghjkl qwertz123 qwertzuiop rabbit01 rabbit11 rabbit12 rabbit123 rabbit1234 rabbit13 rabbit22
rabbit23 rabbit69 rabbit99 rachel01 rachel11 rachel12 rachel123 rachel1234 rachel13 rachel22 rachel23 rachel69
rachel99 raiders! raiders01 raiders1 raiders11 raiders12 raiders123 raiders1234 raiders13 raiders22 raiders23
raiders69 raiders99 rainbow! rainbow01 rainbow1 rainbow11 rainbow12 rainbow123 rainbow1234 rainbow13 rainbow22
rainbow23 rainbow69 rainbow99 rammstein ranger01 ranger11 ranger12 ranger123 ranger1234 ranger13 ranger22
ranger23 ranger69 ranger99 rangers1 realmadrid rebecca1 redrose1 redskins redsox04 redwings richard1 richman1
robert01 robert11 robert12 robert123 robert1234 robert13 robert22 robert23 robert69 robert99 roblox123
rockstar rockstar1 rockyou1 ronaldo123 ronaldo7 root1234 rootpass rootroot rottweiler running1 salasana
samantha samantha1 sample123 samsung! samsung01 samsung1 samsung11 samsung12 samsung123 samsung1234 samsung13
samsung22 samsung23 samsung69 samsung99 scarface scorpion scotland1 sebastian sebastian1 secret01 secret11
secret12 secret123 secret1234 secret13 secret22 secret23 secret69 secret99 security security1 server123
sexsexsex sexy1234 sexybitch sexyboy1 sexygirl sexymama shadow01 shadow11 shadow12 shadow123 shadow1234
shadow13 shadow22 shadow23 shadow69 shadow99 shithead shithead1 silver01 silver11 silver12 silver123
silver1234 silver13 silver22 silver23 silver69 silver99 simpsons singer12 sister01 sister11 sister12 sister123
sister1234 sister13 sister22 sister23 sister69 sister99 skateboard skype123 slipknot smile123 snowball
snowball1 snowboard snowflake soccer01 soccer10 soccer11 soccer12 soccer123 soccer1234 soccer13 soccer22
soccer23 soccer69 soccer99 softball softball1 software somebody1 someone1 something sophie01 sophie11 sophie12
sophie123 sophie1234 sophie13 sophie22 sophie23 sophie69 sophie99 southpark sparky01 sparky11 sparky12
sparky123 sparky1234 sparky13 sparky22 sparky23 sparky69 sparky99 spider01 spider11 spider12 spider123
spider1234 spider13 spider22 spider23 spider69 spider99 spiderman spiderman1 spongebob spongebob1 spring2015
spring2015! spring2016 spring2016! spring2017 spring2017! spring2018 spring2018! spring2019 spring2019!
spring2020 spring2020! spring2021 spring2021! spring2022 spring2022! spring2023 spring2023! spring2024
spring2024! spring2025 spring2025! starfish stargate starlight startrek starwars starwars1 steelers steelers1
stephanie stephanie1 steven123 strawberry strawberry1 sugar123 summer01 summer11 summer12 summer123 summer1234
summer13 summer2015 summer2015! summer2016 summer2016! summer2017 summer2017! summer2018 summer2018!
summer2019 summer2019! summer2020 summer2020! summer2021 summer2021! summer2022 summer2022! summer2023
summer2023! summer2024 summer2024! summer2025 summer2025! summer22 summer23 summer69 summer99 sunflower
sunflower1 sunshine sunshine1 superman superman1 superman123 superstar superstar1 superuser surfer12
sweetheart sweetheart1 sweetie1 sweetlove sweetpea swimmer1 swimming taylor01 taylor11 taylor12 taylor123
taylor1234 taylor13 taylor22 taylor23 taylor69 taylor99 temp1234 temporary temppass tennis01 tennis11 tennis12
tennis123 tennis1234 tennis13 tennis22 tennis23 tennis69 tennis99 terminator test1234 test12345 test123456
tester123 testing1 testing123 testtest texas123 thepassword thesimpsons thomas01 thomas11 thomas12 thomas123
thomas1234 thomas13 thomas22 thomas23 thomas69 thomas99 thunder! thunder01 thunder1 thunder11 thunder12
thunder123 thunder1234 thunder13 thunder22 thunder23 thunder69 thunder99 tiger123 tigers01 tigers11 tigers12
tigers123 tigers1234 tigers13 tigers22 tigers23 tigers69 tigers99 tigerwoods tigger01 tigger11 tigger12
tigger123 tigger1234 tigger13 tigger22 tigger23 tigger69 tigger99 tinkerbell tinkerbell1 titanic1 tottenham
transformers trevor01 trevor11 trevor12 trevor123 trevor1234 trevor13 trevor22 trevor23 trevor69 trevor99
truelove truelove1 trustno01 trustno1 turtle12 twitter1 tyler123 unicorn1 united01 united11 united12 united123
united1234 united13 united22 united23 united69 united99 user1234 user12345 vanessa1 veronica victoria
victoria1 vietnam1 volleyball volleyball1 wachtwoord warlord1 warriors wassup123 watermelon welcome! welcome01
welcome1 welcome1! welcome11 welcome12 welcome123 welcome1234 welcome13 welcome2 welcome2015 welcome2015!
welcome2016 welcome2016! welcome2017 welcome2017! welcome2018 welcome2018! welcome2019 welcome2019!
welcome2020 welcome2020! welcome2021 welcome2021! welcome2022 welcome2022! welcome2023 welcome2023!
welcome2024 welcome2024! welcome2025 welcome2025! welcome22 welcome23 welcome69 welcome99 welcometo whatever
whatever1 whatsup1 whitecat wifey123 wildcats william1 williams windows10 windows7 windowsxp winter2015
winter2015! winter2016 winter2016! winter2017 winter2017! winter2018 winter2018! winter2019 winter2019!
winter2020 winter2020! winter2021 winter2021! winter2022 winter2022! winter2023 winter2023! winter2024
winter2024! winter2025 winter2025! wizard01 wizard11 wizard12 wizard123 wizard1234 wizard13 wizard22 wizard23
wizard69 wizard99 xxxxxxxx yahoo123 yamaha123 yankee01 yankee11 yankee12 yankee123 yankee1234 yankee13
yankee22 yankee23 yankee69 yankee99 yankees1 yankees123 yellow01 yellow11 yellow12 yellow123 yellow1234
yellow13 yellow22 yellow23 yellow69 yellow99 youtube1 youtube123 z1234567 z1x2c3v4 zaq!2wsx zaq12wsx zaq1xsw2
zaq1zaq1 zidane10 zombie01 zombie11 zombie12 zombie123 zombie1234 zombie13 zombie22 zombie23 zombie69 zombie99
zxc12345 zxc123456 zxcasdqwe zxcv1234 zxcvasdf zxcvbn12 zxcvbnm1 zxcvbnm123 zxcvbnma zxcvbnmasdfghjkl zxcvbnmm
zxczxczxc zzzzzzzz
`;

/** The built-in list of common and breached passwords, lower-cased, all 8+ characters. */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(LIST.split(/\s+/).filter((w) => w.length > 0));
